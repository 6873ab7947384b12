//! A generator of adversarial images for the differential test against the Go oracle
//! (tests/oracle): a clean service image (`billing`, which `isogen verify --service billing`
//! passes), then one named case per class of issue 8 (how Go reads JSON and tar, how runc
//! resolves users, what the entrypoint runs, secrets, two images in one archive), then random
//! structure-aware mutations of the layers and config. Seeded and deterministic: the same seed
//! gives the same bytes. Every digest is recomputed, so mutations reach the parsers.

use serde_json::{json, Value};

use super::{hex, sha256, Comp, Layer, LayerTar, Oci};

pub struct Case {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// xorshift64*: small, deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001::/app:/sbin/nologin\n";
pub const ROOT_PASSWD: &[u8] = b"app:x:0:0::/app:/bin/sh\n";
const GROUP: &[u8] = b"root:x:0:\napp:x:10001:\n";
const BILLING: &[u8] = br#"{"name":"@acme/billing","version":"1.0.0","main":"dist/main.js","dependencies":{"ms":"^2.1.3"}}"#;

fn base_layer(node: bool) -> Vec<u8> {
    let t = LayerTar::new()
        .dir("etc")
        .file("etc/passwd", PASSWD)
        .file("etc/group", GROUP)
        .dir("bin")
        .file("bin/sh", b"\x7fELF\x02\x01\x01")
        .dir("usr")
        .dir("usr/bin");
    let t = if node {
        t.file("usr/bin/node", b"\x7fELF\x02\x01\x01")
    } else {
        t
    };
    t.finish()
}

fn app_layer() -> Vec<u8> {
    LayerTar::new()
        .dir("app")
        .dir("app/services/billing/dist")
        .file("app/services/billing/package.json", BILLING)
        .file("app/services/billing/dist/main.js", b"require('ms')")
        .dir("app/services/billing/node_modules/ms")
        .file(
            "app/services/billing/node_modules/ms/package.json",
            br#"{"name":"ms","version":"2.1.3"}"#,
        )
        .file("app/services/billing/node_modules/ms/index.js", b"")
        .finish()
}

pub fn config(user: &str) -> Value {
    json!({"config": {
        "User": user,
        "Cmd": ["node", "/app/services/billing/dist/main.js"],
        "WorkingDir": "/app/services/billing",
        "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"],
        "Labels": {"dev.isogen.service": "billing"},
    }})
}

/// The config document for `layers`, with its rootfs filled in.
fn config_bytes(mut config: Value, layers: &[Vec<u8>]) -> Vec<u8> {
    config["architecture"] = json!("amd64");
    config["os"] = json!("linux");
    config["rootfs"] =
        json!({"type": "layers", "diff_ids": layers.iter().map(|l| sha256(l)).collect::<Vec<_>>()});
    serde_json::to_vec(&config).unwrap()
}

/// An OCI archive of `config` (bytes, written as is) and uncompressed or gzip `layers`.
pub fn oci(config: &[u8], layers: &[Vec<u8>], comp: Comp) -> Oci {
    let mut oci = Oci::new();
    let config_digest = oci.blob(config);
    let mut descs = Vec::new();
    for tar in layers {
        let layer = Layer::new(tar.clone(), comp);
        oci.blob(&layer.blob);
        descs.push(json!({"mediaType": layer.media_type, "digest": layer.digest(), "size": layer.blob.len()}));
    }
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": descs,
    }))
    .unwrap();
    let digest = oci.blob(&manifest);
    oci.index(vec![json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest, "size": manifest.len(),
        "platform": {"os": "linux", "architecture": "amd64"},
    })]);
    oci
}

fn image(config: Value, layers: Vec<Vec<u8>>) -> Vec<u8> {
    oci(&config_bytes(config, &layers), &layers, Comp::Gzip).tar()
}

/// One raw header (name as bytes) and its data, padded; `kind` is the type byte.
pub fn raw(name: &[u8], kind: u8, link: &[u8], data: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    let n = name.len().min(100);
    h.as_gnu_mut().unwrap().name[..n].copy_from_slice(&name[..n]);
    let l = link.len().min(100);
    h.as_gnu_mut().unwrap().linkname[..l].copy_from_slice(&link[..l]);
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_mtime(0);
    h.as_mut_bytes()[156] = kind;
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn end(mut tar: Vec<u8>) -> Vec<u8> {
    tar.extend_from_slice(&[0u8; 1024]);
    tar
}

/// A third layer holding `tar` on top of the clean image.
fn on_top(name: &str, tar: Vec<u8>) -> Case {
    Case {
        name: name.into(),
        bytes: image(
            config("10001:10001"),
            vec![base_layer(true), app_layer(), tar],
        ),
    }
}

fn with_user(user: &str) -> Case {
    Case {
        name: format!("user {user:?}"),
        bytes: image(config(user), vec![base_layer(true), app_layer()]),
    }
}

/// The clean image's config with `edit` applied to its text.
fn config_text(name: &str, edit: impl FnOnce(String) -> String) -> Case {
    let layers = vec![base_layer(true), app_layer()];
    let text = String::from_utf8(config_bytes(config("10001:10001"), &layers)).unwrap();
    let edited = edit(text);
    Case {
        name: name.into(),
        bytes: oci(edited.as_bytes(), &layers, Comp::Gzip).tar(),
    }
}

/// One case per class of issue 8, the clean image first.
pub fn named() -> Vec<Case> {
    let mut cases = vec![Case {
        name: "clean".into(),
        bytes: image(config("10001:10001"), vec![base_layer(true), app_layer()]),
    }];
    for user in [
        "0",
        "-0",
        "+0",
        "000",
        "4294967296",
        "root",
        "10001:0",
        ":10001",
        "0:10001",
    ] {
        cases.push(with_user(user));
    }
    cases.push(on_top(
        "passwd entry with an empty uid",
        LayerTar::new()
            .file("etc/passwd", b"app:x::10001::/app:/bin/sh\n")
            .finish(),
    ));
    cases.push(on_top(
        "first passwd match is root",
        LayerTar::new()
            .file(
                "etc/passwd",
                b" app:x:0:0::/:/bin/sh\napp:x:10001:10001::/:/bin/sh\n",
            )
            .finish(),
    ));
    cases.push(config_text("config key `user` beside `User`", |t| {
        t.replacen("\"User\":", "\"user\":\"root\",\"User\":", 1)
    }));
    cases.push(config_text("config key `Uſer`", |t| {
        t.replacen(
            "\"User\":\"10001:10001\"",
            "\"User\":\"10001:10001\",\"U\u{17f}er\":\"0\"",
            1,
        )
    }));
    cases.push(config_text("duplicate User key", |t| {
        t.replacen(
            "\"User\":\"10001:10001\"",
            "\"User\":\"10001:10001\",\"User\":\"0\"",
            1,
        )
    }));
    cases.push(config_text("duplicate Cmd key", |t| {
        t.replacen("\"Cmd\":", "\"Cmd\":[\"sh\",\"-c\",\"x\"],\"Cmd\":", 1)
    }));
    cases.push(config_text("lowercase cmd", |t| {
        t.replacen("\"Cmd\":", "\"cmd\":[\"/bin/sh\"],\"Cmd\":", 1)
    }));
    // Tar, as Go reads it.
    let mut long = raw(b"././@LongLink", b'L', b"", b"etc/passwd\0.not-this\0");
    long.extend(raw(b"decoy", b'0', b"", ROOT_PASSWD));
    cases.push(on_top("GNU long name cut at NUL", end(long)));
    let mut pax = raw(b"PaxHeader", b'x', b"", b"28 path=etc/passwd\0.decoy-x\n");
    pax.extend(raw(b"decoy", b'0', b"", ROOT_PASSWD));
    cases.push(on_top("NUL in a PAX path", end(pax)));
    cases.push(on_top(
        "type 0 with a trailing slash",
        end(raw(b"etc/passwd/", b'0', b"", ROOT_PASSWD)),
    ));
    cases.push(on_top(
        "old type NUL with a trailing slash",
        end(raw(b"etc/passwd/", 0, b"", ROOT_PASSWD)),
    ));
    cases.push(on_top(
        "symlinked parent, same layer",
        LayerTar::new()
            .symlink("y", "/etc")
            .file("y/passwd", ROOT_PASSWD)
            .finish(),
    ));
    cases.push(Case {
        name: "symlinked parent, lower layer".into(),
        bytes: image(
            config("10001:10001"),
            vec![
                base_layer(true),
                app_layer(),
                LayerTar::new().symlink("y", "/etc").finish(),
                LayerTar::new().file("y/passwd", ROOT_PASSWD).finish(),
            ],
        ),
    });
    let mut sized = tar::Header::new_gnu();
    sized.set_path("link").unwrap();
    sized.set_link_name("x").unwrap();
    sized.set_entry_type(tar::EntryType::Symlink);
    sized.set_size(512);
    sized.set_cksum();
    let mut hidden = sized.as_bytes().to_vec();
    hidden.extend(raw(b"etc/passwd", b'0', b"", ROOT_PASSWD));
    cases.push(on_top("symlink with a size hides an entry", end(hidden)));
    let mut lone = raw(b"a", b'0', b"", b"a");
    lone.extend_from_slice(&[0u8; 512]);
    lone.extend(raw(b"etc/passwd", b'0', b"", ROOT_PASSWD));
    cases.push(on_top("data after a lone zero block", end(lone)));
    let mut trailing = end(raw(b"a", b'0', b"", b"a"));
    trailing.extend(raw(b"etc/passwd", b'0', b"", ROOT_PASSWD));
    cases.push(on_top("entries after the end-of-archive blocks", trailing));
    cases.push(on_top(
        "hard link to itself",
        LayerTar::new().hardlink("a", "a").finish(),
    ));
    cases.push(on_top(
        "hard link to nothing",
        LayerTar::new().hardlink("a", "missing").finish(),
    ));
    cases.push(on_top(
        "whiteout of ..",
        LayerTar::new().file("etc/.wh...", b"").finish(),
    ));
    cases.push(on_top(
        "`..` in a name",
        LayerTar::new().file("../etc/passwd", ROOT_PASSWD).finish(),
    ));
    cases.push(on_top(
        "absolute name",
        LayerTar::new().file("/etc/passwd", ROOT_PASSWD).finish(),
    ));
    let mut unpadded = raw(b"etc/passwd", b'0', b"", PASSWD);
    unpadded.truncate(512 + PASSWD.len());
    cases.push(on_top("last entry without padding (umoci)", unpadded));
    // What the entrypoint runs.
    let mut shell = config("10001:10001");
    shell["config"]["Cmd"] = json!(["/bin/sh", "-c", "node /app/services/billing/dist/main.js"]);
    cases.push(Case {
        name: "shell form".into(),
        bytes: image(shell, vec![base_layer(true), app_layer()]),
    });
    cases.push(Case {
        name: "no node in the image".into(),
        bytes: image(config("10001:10001"), vec![base_layer(false), app_layer()]),
    });
    // Secrets, visible or deleted.
    cases.push(on_top(
        "npm token",
        LayerTar::new()
            .dir("root")
            .file(
                "root/.npmrc",
                b"//registry.npmjs.org/:_authToken=npm_0123456789abcdef\n",
            )
            .finish(),
    ));
    cases.push(Case {
        name: "npm token deleted later".into(),
        bytes: image(
            config("10001:10001"),
            vec![
                base_layer(true),
                app_layer(),
                LayerTar::new()
                    .dir("root")
                    .file(
                        "root/.npmrc",
                        b"//registry.npmjs.org/:_authToken=npm_0123456789abcdef\n",
                    )
                    .finish(),
                LayerTar::new()
                    .dir("root")
                    .file("root/.wh..npmrc", b"")
                    .finish(),
            ],
        ),
    });
    // Two images in one archive: manifest.json names a root config.
    let layers = vec![base_layer(true), app_layer()];
    let mut two = oci(
        &config_bytes(config("10001:10001"), &layers),
        &layers,
        Comp::Gzip,
    );
    let root_config = config_bytes(config("0"), &layers);
    let root_digest = two.blob(&root_config);
    let layer_names: Vec<String> = layers
        .iter()
        .map(|l| {
            format!(
                "blobs/sha256/{}",
                hex(&Layer::new(l.clone(), Comp::Gzip).digest())
            )
        })
        .collect();
    two.put(
        "manifest.json",
        serde_json::to_vec(&json!([{"Config": format!("blobs/sha256/{}", hex(&root_digest)), "Layers": layer_names}])).unwrap(),
    );
    cases.push(Case {
        name: "index.json and manifest.json name two configs".into(),
        bytes: two.tar(),
    });
    cases
}

/// Offsets of the header blocks of a (well-formed) tar.
fn headers(tar: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 512 <= tar.len() && tar[at..at + 512].iter().any(|b| *b != 0) {
        out.push(at);
        let size = std::str::from_utf8(&tar[at + 124..at + 135])
            .ok()
            .and_then(|s| u64::from_str_radix(s.trim_matches(|c| c == '\0' || c == ' '), 8).ok())
            .unwrap_or(0) as usize;
        at += 512 + size.div_ceil(512) * 512;
    }
    out
}

fn fix_checksum(block: &mut [u8]) {
    block[148..156].fill(b' ');
    let sum: u32 = block[..512].iter().map(|b| u32::from(*b)).sum();
    let text = format!("{sum:06o}\0 ");
    block[148..156].copy_from_slice(text.as_bytes());
}

const NAMES: &[&[u8]] = &[
    b"etc/passwd",
    b"../etc/passwd",
    b"/etc/passwd",
    b"y/passwd",
    b"etc/.wh..",
    b"etc/passwd/",
    b"etc/.wh.passwd",
    b"usr/bin/.wh.node",
    b".wh..wh..opq",
    b"root/.npmrc",
    b"./etc/./passwd",
];
const TYPES: &[u8] = b"0\x00125LKxg7S3D";

/// One random structure-aware mutation of `tar`.
fn mutate(rng: &mut Rng, mut tar: Vec<u8>) -> (String, Vec<u8>) {
    let heads = headers(&tar);
    let h = heads.get(rng.below(heads.len())).copied().unwrap_or(0);
    let what = rng.below(9);
    let blocks = tar.len() / 512;
    match what {
        0 if tar.len() >= h + 512 => {
            let i = h + rng.below(512);
            tar[i] = rng.next() as u8;
            if rng.below(5) > 0 {
                fix_checksum(&mut tar[h..h + 512]);
            }
            (format!("byte {i} flipped"), tar)
        }
        1 if tar.len() >= h + 512 => {
            let t = *rng.pick(TYPES);
            tar[h + 156] = t;
            fix_checksum(&mut tar[h..h + 512]);
            (
                format!("type of header at {h} set to {:?}", char::from(t)),
                tar,
            )
        }
        2 => {
            let at = rng.below(blocks + 1) * 512;
            tar.splice(at..at, std::iter::repeat_n(0u8, 512));
            (format!("zero block inserted at {at}"), tar)
        }
        3 => {
            let at = rng.below(blocks + 1) * 512;
            tar.truncate(at);
            (format!("cut at {at}"), tar)
        }
        4 => {
            let n = 1 + rng.below(700);
            let junk: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            tar.extend(junk);
            (format!("{n} random bytes appended"), tar)
        }
        5 if tar.len() >= h + 512 => {
            let name = NAMES[rng.below(NAMES.len())];
            tar[h..h + 100].fill(0);
            tar[h..h + name.len()].copy_from_slice(name);
            fix_checksum(&mut tar[h..h + 512]);
            (
                format!("header at {h} renamed {}", String::from_utf8_lossy(name)),
                tar,
            )
        }
        6 => {
            let at = rng.pick(&heads).to_owned();
            let name: &[u8] = NAMES[rng.below(NAMES.len())];
            let kind = *rng.pick(b"0125");
            let entry = raw(name, kind, b"/etc", ROOT_PASSWD);
            tar.splice(at..at, entry);
            (format!("root passwd entry spliced in at {at}"), tar)
        }
        7 if tar.len() >= h + 512 => {
            // A size field that lies.
            let size = format!("{:011o}\0", rng.below(2048));
            tar[h + 124..h + 136].copy_from_slice(size.as_bytes());
            fix_checksum(&mut tar[h..h + 512]);
            (format!("size of header at {h} changed"), tar)
        }
        _ => {
            let mut pax = raw(b"PaxHeader", b'x', b"", b"19 path=etc/passwd\n");
            pax.extend(raw(b"decoy", b'0', b"", ROOT_PASSWD));
            let at = rng.pick(&heads).to_owned();
            tar.splice(at..at, pax);
            (format!("PAX-renamed root passwd spliced in at {at}"), tar)
        }
    }
}

/// A key to put first in the config's `config` object: a case variant or duplicate of a field
/// the runtime reads, with a value that would break a rule.
fn config_edit(rng: &mut Rng) -> (String, String) {
    let fields: &[(&str, &str)] = &[
        ("User", "\"0\""),
        ("Cmd", "[\"/bin/sh\",\"-c\",\"x\"]"),
        ("Entrypoint", "[\"sh\"]"),
        ("Labels", "{\"dev.isogen.service\":\"payments\"}"),
        ("Env", "[\"PATH=/nowhere\"]"),
    ];
    let (field, value) = *rng.pick(fields);
    let spelled = match rng.below(4) {
        0 => field.to_string(),
        1 => field.to_ascii_lowercase(),
        2 => field.to_ascii_uppercase(),
        _ => field
            .replacen('s', "\u{17f}", 1)
            .replacen('k', "\u{212a}", 1),
    };
    (
        format!("\"{spelled}\":{value}"),
        format!("key {spelled:?} added"),
    )
}

/// `count` random mutants of the clean image (seeded).
pub fn random(seed: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng::new(seed);
    let users = [
        "10001:10001",
        "0",
        "app",
        "root",
        "10001",
        "-0",
        "4294967296",
        "app:0",
    ];
    (0..count)
        .map(|i| {
            let mut layers = vec![base_layer(true), app_layer()];
            let which = rng.below(layers.len());
            let (what, mutated) = mutate(&mut rng, layers[which].clone());
            layers[which] = mutated;
            let user = *rng.pick(&users);
            let comp = if rng.below(2) == 0 {
                Comp::None
            } else {
                Comp::Gzip
            };
            let mut text = String::from_utf8(config_bytes(config(user), &layers)).unwrap();
            let mut what = what;
            if rng.below(4) == 0 {
                let (edit, how) = config_edit(&mut rng);
                text = text.replacen("\"config\":{", &format!("\"config\":{{{edit},"), 1);
                what = format!("{what}, config {how}");
            }
            Case {
                name: format!(
                    "random #{i} (seed {seed}): layer {} {what}, User {user:?}",
                    which + 1
                ),
                bytes: oci(text.as_bytes(), &layers, comp).tar(),
            }
        })
        .collect()
}
