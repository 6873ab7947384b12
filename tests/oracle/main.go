// Command oracle reads an image archive the way a container runtime does and prints what the
// container would see, as JSON, for isogen's differential test (tests/it/image_oracle.rs).
//
// Only Go's standard library: archive/tar reads the outer archive and the layers, encoding/json
// every document (case-insensitive keys, the last duplicate wins), layers are applied as
// containerd applies them (parents resolved through symlinks inside the root, whiteouts, hard
// links copied), and the config's User is resolved as runc's libcontainer/user resolves it.
// When the archive holds both index.json and manifest.json, each loader's view is printed
// (containerd reads index.json, docker's classic loader manifest.json).
//
// Usage: oracle IMAGE.tar  ->  {"views":[...]} or {"error":"..."}; exit 0 either way.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

type node struct {
	Type string `json:"type"` // file, dir, symlink, other
	Mode int64  `json:"mode"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
	Link string `json:"link,omitempty"`
	data []byte
}

type view struct {
	Loader     string            `json:"loader"`
	Files      map[string]*node  `json:"files"`
	User       string            `json:"user"`
	Entrypoint []string          `json:"entrypoint"`
	Cmd        []string          `json:"cmd"`
	Env        []string          `json:"env"`
	Labels     map[string]string `json:"labels"`
	UID        *int64            `json:"uid"`
	GID        *int64            `json:"gid"`
	Root       bool              `json:"root"`
	Shell      bool              `json:"shell"`
	Program    string            `json:"program"`
	Found      bool              `json:"program_found"`
	Secrets    []string          `json:"secrets"`
}

type descriptor struct {
	MediaType string                             `json:"mediaType"`
	Digest    string                             `json:"digest"`
	Platform  *struct{ OS, Architecture string } `json:"platform"`
}

type index struct {
	Manifests []descriptor `json:"manifests"`
}

type manifest struct {
	Config descriptor   `json:"config"`
	Layers []descriptor `json:"layers"`
}

type legacy struct {
	Config string
	Layers []string
}

type imageConfig struct {
	Config struct {
		User       string
		Entrypoint []string
		Cmd        []string
		Env        []string
		Labels     map[string]string
	}
}

type archive struct {
	members map[string][]byte
	links   map[string]string
}

func clean(name string) string { return strings.TrimPrefix(path.Clean("/"+name), "/") }

func readArchive(p string) (*archive, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a := &archive{members: map[string][]byte{}, links: map[string]string{}}
	tr := tar.NewReader(bufio.NewReader(f))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return a, nil
		}
		if err != nil {
			return nil, fmt.Errorf("outer archive: %w", err)
		}
		name := clean(hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, err
			}
			a.members[name] = b
		case tar.TypeSymlink:
			a.links[name] = clean(path.Join(path.Dir(name), hdr.Linkname))
		case tar.TypeLink:
			a.links[name] = clean(hdr.Linkname)
		}
	}
}

func (a *archive) get(name string) ([]byte, error) {
	name = clean(name)
	for i := 0; i < 32; i++ {
		if b, ok := a.members[name]; ok {
			return b, nil
		}
		t, ok := a.links[name]
		if !ok {
			break
		}
		name = t
	}
	return nil, fmt.Errorf("missing member %s", name)
}

func blobPath(digest string) string { return "blobs/sha256/" + strings.TrimPrefix(digest, "sha256:") }

// ociImages returns the (config, layers) of the linux/amd64 (or only) manifest of index.json.
func ociImage(a *archive) (string, []string, error) {
	b, err := a.get("index.json")
	if err != nil {
		return "", nil, err
	}
	var cands []descriptor
	var walk func(b []byte, depth int) error
	walk = func(b []byte, depth int) error {
		var idx index
		if err := json.Unmarshal(b, &idx); err != nil {
			return err
		}
		for _, d := range idx.Manifests {
			if d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown" {
				continue
			}
			if strings.Contains(d.MediaType, "index") || strings.Contains(d.MediaType, "manifest.list") {
				nb, err := a.get(blobPath(d.Digest))
				if err != nil || depth > 8 {
					return fmt.Errorf("nested index: %v", err)
				}
				if err := walk(nb, depth+1); err != nil {
					return err
				}
				continue
			}
			if d.Platform == nil || (d.Platform.OS == "linux" && d.Platform.Architecture == "amd64") {
				cands = append(cands, d)
			}
		}
		return nil
	}
	if err := walk(b, 0); err != nil {
		return "", nil, err
	}
	if len(cands) != 1 {
		return "", nil, fmt.Errorf("%d candidate manifests", len(cands))
	}
	mb, err := a.get(blobPath(cands[0].Digest))
	if err != nil {
		return "", nil, err
	}
	var m manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return "", nil, err
	}
	var layers []string
	for _, l := range m.Layers {
		layers = append(layers, blobPath(l.Digest))
	}
	return blobPath(m.Config.Digest), layers, nil
}

func legacyImage(a *archive) (string, []string, error) {
	b, err := a.get("manifest.json")
	if err != nil {
		return "", nil, err
	}
	var ls []legacy
	if err := json.Unmarshal(b, &ls); err != nil {
		return "", nil, err
	}
	if len(ls) != 1 {
		return "", nil, fmt.Errorf("%d images in manifest.json", len(ls))
	}
	return ls[0].Config, ls[0].Layers, nil
}

// fs is the container's root: absolute clean paths -> nodes.
type fs struct {
	files   map[string]*node
	secrets map[string]bool
}

// resolve follows symlinks in p's components inside the root (containerd's fs.RootPath); the
// last component is followed only when follow is set.
func (f *fs) resolve(p string, follow bool) (string, error) {
	parts := strings.Split(strings.Trim(path.Clean("/"+p), "/"), "/")
	cur := "/"
	hops := 0
	for i := 0; i < len(parts); i++ {
		part := parts[i]
		if part == "" || part == "." {
			continue
		}
		if part == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, part)
		n, ok := f.files[next]
		if ok && n.Type == "symlink" && (i < len(parts)-1 || follow) {
			hops++
			if hops > 255 {
				return "", errors.New("too many symlinks")
			}
			target := n.Link
			if !strings.HasPrefix(target, "/") {
				target = path.Join(cur, target)
			}
			rest := append(strings.Split(strings.Trim(path.Clean("/"+target), "/"), "/"), parts[i+1:]...)
			parts = rest
			i = -1
			cur = "/"
			continue
		}
		cur = next
	}
	return cur, nil
}

func (f *fs) removeAll(p string) {
	for k := range f.files {
		if k == p || strings.HasPrefix(k, p+"/") {
			delete(f.files, k)
		}
	}
}

func (f *fs) mkdirAll(p string) {
	for p != "/" && p != "." {
		if _, ok := f.files[p]; !ok {
			f.files[p] = &node{Type: "dir", Mode: 0o755}
		}
		p = path.Dir(p)
	}
}

func secretName(p string, data []byte) bool {
	base := path.Base(p)
	switch {
	case base == ".npmrc" && bytes.Contains(data, []byte("_authToken")):
		return true
	case base == ".env" || base == "id_rsa" || base == "credentials":
		return true
	}
	return false
}

func (f *fs) apply(r io.Reader) error {
	tr := tar.NewReader(r)
	unpacked := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean("/" + hdr.Name)
		if name == "/" {
			continue
		}
		dir, base := path.Split(name)
		parent, err := f.resolve(dir, true)
		if err != nil {
			return err
		}
		if strings.HasPrefix(base, ".wh.") {
			if base == ".wh..wh..opq" {
				// containerd keeps what this layer already unpacked there.
				for k := range f.files {
					if strings.HasPrefix(k, strings.TrimSuffix(parent, "/")+"/") && !unpacked[k] {
						delete(f.files, k)
					}
				}
			} else if !strings.HasPrefix(base, ".wh..wh.") {
				f.removeAll(path.Join(parent, base[4:]))
			}
			continue
		}
		full := path.Join(parent, base)
		if old, ok := f.files[full]; ok && !(old.Type == "dir" && hdr.Typeflag == tar.TypeDir) {
			f.removeAll(full)
		}
		f.mkdirAll(parent)
		n := &node{Mode: hdr.Mode & 0o7777, UID: hdr.Uid, GID: hdr.Gid}
		switch hdr.Typeflag {
		case tar.TypeReg:
			n.Type = "file"
			b, err := io.ReadAll(io.LimitReader(tr, 1<<20))
			if err != nil {
				return err
			}
			n.data = b
			if secretName(full, b) {
				f.secrets[full] = true
			}
		case tar.TypeDir:
			n.Type = "dir"
		case tar.TypeSymlink:
			n.Type = "symlink"
			n.Link = hdr.Linkname
		case tar.TypeLink:
			target, err := f.resolve(hdr.Linkname, false)
			if err != nil {
				return err
			}
			t, ok := f.files[target]
			if !ok || t.Type == "dir" {
				return fmt.Errorf("hard link %s to missing %s", name, hdr.Linkname)
			}
			c := *t
			n = &c
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			n.Type = "other"
		case tar.TypeXGlobalHeader:
			continue
		default:
			return fmt.Errorf("unhandled tar header type %d", hdr.Typeflag)
		}
		f.files[full] = n
		for p := full; p != "/"; p = path.Dir(p) {
			unpacked[p] = true
		}
	}
}

func decompress(b []byte) (io.Reader, error) {
	switch {
	case len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b:
		return gzip.NewReader(bytes.NewReader(b))
	case len(b) > 4 && (b[0] == 0x28 && b[1] == 0xb5 || b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18):
		return nil, errors.New("unsupported: zstd")
	}
	return bytes.NewReader(b), nil
}

// atoi is runc's numeric field: strconv.Atoi with errors ignored.
func atoi(s string) int64 {
	v, _ := strconv.Atoi(s)
	return int64(v)
}

func (f *fs) text(p string) ([]byte, bool) {
	r, err := f.resolve(p, true)
	if err != nil {
		return nil, false
	}
	n, ok := f.files[r]
	if !ok || n.Type != "file" {
		return nil, false
	}
	return n.data, true
}

// user resolves spec as runc's GetExecUser does.
func (f *fs) user(spec string) (uid *int64, gid *int64) {
	parts := strings.SplitN(spec, ":", 3)
	u, g := parts[0], ""
	if len(parts) > 1 {
		g = parts[1]
	}
	uidArg, uidErr := strconv.Atoi(u)
	var out int64
	found := false
	if passwd, ok := f.text("/etc/passwd"); ok {
		s := bufio.NewScanner(bytes.NewReader(passwd))
		for s.Scan() && !found {
			line := strings.TrimSpace(s.Text())
			if line == "" {
				continue
			}
			fl := strings.Split(line, ":")
			get := func(i int) string {
				if i < len(fl) {
					return fl[i]
				}
				return ""
			}
			id := atoi(get(2))
			if (u == "" && id == 0) || (u != "" && uidErr == nil && id == int64(uidArg)) || (u != "" && uidErr != nil && get(0) == u) {
				out, found = id, true
			}
		}
	}
	if !found {
		if u == "" {
			out, found = 0, true
		} else if uidErr == nil {
			out, found = int64(uidArg), true
		}
	}
	if found {
		uid = &out
	}
	if g != "" {
		var gv int64
		gfound := false
		gidArg, gidErr := strconv.Atoi(g)
		if group, ok := f.text("/etc/group"); ok {
			s := bufio.NewScanner(bytes.NewReader(group))
			for s.Scan() && !gfound {
				fl := strings.Split(strings.TrimSpace(s.Text()), ":")
				if len(fl) < 3 {
					continue
				}
				id := atoi(fl[2])
				if (gidErr == nil && id == int64(gidArg)) || (gidErr != nil && fl[0] == g) {
					gv, gfound = id, true
				}
			}
		}
		if !gfound && gidErr == nil {
			gv, gfound = int64(gidArg), true
		}
		if gfound {
			gid = &gv
		}
	}
	return uid, gid
}

func (f *fs) lookPath(prog string, env []string) bool {
	if prog == "" {
		return false
	}
	pathEnv := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			pathEnv = e[5:]
		}
	}
	try := func(p string) bool {
		r, err := f.resolve(p, true)
		if err != nil {
			return false
		}
		n, ok := f.files[r]
		return ok && n.Type == "file"
	}
	if strings.Contains(prog, "/") {
		return try(prog)
	}
	for _, d := range strings.Split(pathEnv, ":") {
		if d != "" && try(path.Join(d, prog)) {
			return true
		}
	}
	return false
}

func buildView(a *archive, loader, configName string, layers []string) (*view, error) {
	cb, err := a.get(configName)
	if err != nil {
		return nil, err
	}
	var cfg imageConfig
	if err := json.Unmarshal(cb, &cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	f := &fs{files: map[string]*node{}, secrets: map[string]bool{}}
	for _, l := range layers {
		lb, err := a.get(l)
		if err != nil {
			return nil, err
		}
		r, err := decompress(lb)
		if err != nil {
			return nil, err
		}
		if err := f.apply(r); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l, err)
		}
	}
	c := cfg.Config
	v := &view{Loader: loader, Files: f.files, User: c.User, Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, Labels: c.Labels, Secrets: []string{}}
	v.UID, v.GID = f.user(c.User)
	v.Root = (v.UID != nil && uint32(*v.UID) == 0) || (v.GID != nil && uint32(*v.GID) == 0)
	argv := append(append([]string{}, c.Entrypoint...), c.Cmd...)
	if len(argv) > 0 {
		v.Program = argv[0]
		v.Found = f.lookPath(argv[0], c.Env)
		switch path.Base(argv[0]) {
		case "sh", "bash", "ash", "dash", "zsh":
			v.Shell = true
		}
	}
	for s := range f.secrets {
		v.Secrets = append(v.Secrets, s)
	}
	sort.Strings(v.Secrets)
	return v, nil
}

func main() {
	out := map[string]interface{}{}
	defer func() {
		enc := json.NewEncoder(os.Stdout)
		_ = enc.Encode(out)
	}()
	if len(os.Args) != 2 {
		out["error"] = "usage: oracle IMAGE"
		return
	}
	a, err := readArchive(os.Args[1])
	if err != nil {
		out["error"] = err.Error()
		return
	}
	var views []*view
	var errs []string
	for _, loader := range []string{"index.json", "manifest.json"} {
		if _, err := a.get(loader); err != nil {
			continue
		}
		load := ociImage
		if loader == "manifest.json" {
			load = legacyImage
		}
		configName, layers, err := load(a)
		if err == nil {
			var v *view
			v, err = buildView(a, loader, configName, layers)
			if err == nil {
				views = append(views, v)
			}
		}
		if err != nil {
			errs = append(errs, loader+": "+err.Error())
		}
	}
	if len(views) == 0 {
		out["error"] = strings.Join(append(errs, "no loadable image"), "; ")
		return
	}
	out["views"] = views
	if len(errs) > 0 {
		out["partial"] = strings.Join(errs, "; ")
	}
}
