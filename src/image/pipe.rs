//! Moving a layer's bytes between threads in large chunks, so that reading and hashing the
//! stored blob, decompressing it, and hashing and listing the tar stream can run on different
//! cores (a single-layer image otherwise uses one).
//!
//! Channels are bounded ([`DEPTH`] chunks of [`CHUNK`] bytes), so a slow consumer holds the
//! producer back instead of buffering a layer in memory; chunks are recycled rather than freed.
//! A producer whose consumer went away (it finished or failed) keeps reading only when told to
//! (the stored blob is still hashed to its end); nothing here interprets the bytes.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TryRecvError};

use super::digest::HashState;
use super::tarstream::Skip;

/// Bytes per chunk, at most: large enough that per-chunk costs (a channel send, a hash update)
/// vanish. A small layer gets smaller chunks ([`channel`]): 300 tiny layers each zeroing
/// 256 KiB buffers cost four times the CPU of reading them.
pub(crate) const CHUNK: usize = 256 * 1024;
/// Bytes per chunk, at least.
const MIN_CHUNK: usize = 4 * 1024;
/// Chunks in flight per channel.
pub(crate) const DEPTH: usize = 2;
/// The most memory one pipe holds: chunks queued, one being filled, one being read, and one
/// on its way back to be reused.
pub(crate) const PIPE_BYTES: u64 = ((DEPTH + 3) * CHUNK) as u64;

type Message = io::Result<Vec<u8>>;

/// The sending end, run by a producer thread.
pub(crate) struct ChunkSender {
    chunk: usize,
    data: SyncSender<Message>,
    recycled: Receiver<Vec<u8>>,
    /// False once the consumer is gone.
    pub open: bool,
}

/// The receiving end: a [`Read`] and [`BufRead`] over the chunks (so a decoder or the tar
/// reader takes bytes straight from them, and skipping copies nothing), returning the
/// producer's error in place. It can hash every chunk as it arrives ([`ChunkReader::hash`]).
pub(crate) struct ChunkReader {
    data: Receiver<Message>,
    recycle: Sender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    /// The producer sent its last chunk (or an error, already returned).
    ended: bool,
    hash: Option<HashState>,
}

/// A pipe for about `expected` bytes (a guess: more or fewer may pass), with chunks of
/// between 4 KiB and [`CHUNK`].
pub(crate) fn channel(expected: u64) -> (ChunkSender, ChunkReader) {
    let (data, data_rx) = mpsc::sync_channel(DEPTH);
    let (recycle, recycled) = mpsc::channel();
    let chunk = usize::try_from(expected.saturating_add(1))
        .unwrap_or(CHUNK)
        .clamp(MIN_CHUNK, CHUNK);
    (
        ChunkSender {
            chunk,
            data,
            recycled,
            open: true,
        },
        ChunkReader {
            data: data_rx,
            recycle,
            current: Vec::new(),
            pos: 0,
            ended: false,
            hash: None,
        },
    )
}

impl ChunkSender {
    /// A buffer for [`fill`], recycled when one came back. A recycled buffer keeps its old
    /// length (and bytes, overwritten by `fill`): zeroing 256 KiB per chunk cost 5% of the CPU.
    pub fn buffer(&mut self) -> Vec<u8> {
        match self.recycled.try_recv() {
            Ok(buf) if buf.capacity() >= self.chunk => buf,
            Ok(_) => Vec::with_capacity(self.chunk),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Vec::with_capacity(self.chunk),
        }
    }

    /// Sends a chunk; marks the pipe closed when the consumer is gone, and then hands a data
    /// chunk back for reuse.
    pub fn send(&mut self, message: Message) -> Option<Vec<u8>> {
        if !self.open {
            return message.ok();
        }
        match self.data.send(message) {
            Ok(()) => None,
            Err(mpsc::SendError(message)) => {
                self.open = false;
                message.ok()
            }
        }
    }
}

impl ChunkSender {
    /// A chunk the consumer handed back, when there is one (for a middle stage, which passes
    /// it on to its own producer: [`ChunkReader::give_back`]).
    pub fn take_recycled(&mut self) -> Option<Vec<u8>> {
        self.recycled.try_recv().ok()
    }
}

/// Fills `buf` (a [`ChunkSender::buffer`]) to its capacity from `reader` (whatever it held
/// before is replaced); fewer bytes only at the end.
pub(crate) fn fill<R: Read + ?Sized>(reader: &mut R, buf: &mut Vec<u8>) -> io::Result<()> {
    let chunk = buf.capacity();
    buf.resize(chunk, 0);
    let mut len = 0;
    let result = loop {
        if len == chunk {
            break Ok(());
        }
        match reader.read(&mut buf[len..]) {
            Ok(0) => break Ok(()),
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(len);
    result
}

impl ChunkReader {
    /// Hashes every chunk from now on as it arrives, whole (one large update per chunk rather
    /// than one per read): what is received is hashed, whether it is read, skipped or dropped.
    pub fn hash(&mut self) {
        self.hash = Some(HashState::default());
    }

    /// The hash of every chunk received since [`ChunkReader::hash`] (empty when it was not
    /// called).
    pub fn take_hash(&mut self) -> HashState {
        self.hash.take().unwrap_or_default()
    }
}

impl ChunkReader {
    /// The next chunk whole, for a middle stage that passes chunks on rather than reading
    /// them: None at the end, an error in place (then None).
    pub fn take_chunk(&mut self) -> Option<io::Result<Vec<u8>>> {
        if self.ended {
            return None;
        }
        match self.data.recv() {
            Ok(Ok(chunk)) if !chunk.is_empty() => Some(Ok(chunk)),
            Ok(Err(e)) => {
                self.ended = true;
                Some(Err(e))
            }
            Ok(Ok(_)) | Err(_) => {
                self.ended = true;
                None
            }
        }
    }

    /// Hands a chunk back to the producer for reuse.
    pub fn give_back(&self, chunk: Vec<u8>) {
        let _ = self.recycle.send(chunk);
    }
}

impl BufRead for ChunkReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.current.len() && !self.ended {
            let next = match self.data.recv() {
                Ok(Ok(next)) => next,
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                // The producer finished: end of stream.
                Err(_) => Vec::new(),
            };
            if let Some(hash) = &mut self.hash {
                hash.update(&next);
            }
            let done = std::mem::replace(&mut self.current, next);
            if done.capacity() > 0 {
                let _ = self.recycle.send(done);
            }
            self.pos = 0;
            self.ended = self.current.is_empty();
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.current.len());
    }
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = out.len().min(available.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl Skip for ChunkReader {
    /// Skips by moving past the bytes in the chunks: nothing is copied.
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let mut skipped = 0;
        while skipped < n {
            let available = self.fill_buf()?.len();
            if available == 0 {
                break;
            }
            let step = usize::try_from(n - skipped).map_or(available, |left| left.min(available));
            self.consume(step);
            skipped += step as u64;
        }
        Ok(skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_arrive_in_order_across_threads_and_errors_arrive_in_place() {
        let data: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        // Expecting 10 bytes: 4 KiB chunks, recycled many times over.
        let (mut tx, mut rx) = channel(10);
        let source = data.clone();
        let producer = std::thread::spawn(move || {
            let mut reader = &source[..];
            loop {
                let mut buf = tx.buffer();
                fill(&mut reader, &mut buf).unwrap();
                if buf.is_empty() {
                    break;
                }
                tx.send(Ok(buf));
            }
            tx.send(Err(io::Error::other("cut")));
        });
        let mut got = vec![0u8; data.len()];
        rx.read_exact(&mut got).unwrap();
        assert_eq!(got, data);
        let err = rx.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(err.to_string(), "cut");
        producer.join().unwrap();
    }

    #[test]
    fn a_middle_stage_passes_whole_chunks_on() {
        let data: Vec<u8> = (0..20 * CHUNK + 3).map(|i| (i % 241) as u8).collect();
        let (mut first, mut middle_in) = channel(u64::MAX);
        let (mut middle_out, mut last) = channel(u64::MAX);
        let source = data.clone();
        let producer = std::thread::spawn(move || {
            let mut reader = &source[..];
            loop {
                let mut buf = first.buffer();
                fill(&mut reader, &mut buf).unwrap();
                if buf.is_empty() {
                    break;
                }
                first.send(Ok(buf));
            }
            first.send(Err(io::Error::other("cut")));
        });
        let middle = std::thread::spawn(move || {
            let mut passed = 0;
            while let Some(chunk) = middle_in.take_chunk() {
                while let Some(back) = middle_out.take_recycled() {
                    middle_in.give_back(back);
                }
                match chunk {
                    Ok(chunk) => {
                        passed += chunk.len();
                        middle_out.send(Ok(chunk));
                    }
                    Err(e) => {
                        middle_out.send(Err(e));
                    }
                }
            }
            passed
        });
        let mut got = vec![0u8; data.len()];
        last.read_exact(&mut got).unwrap();
        assert_eq!(got, data);
        assert_eq!(last.read(&mut [0u8; 8]).unwrap_err().to_string(), "cut");
        assert_eq!(middle.join().unwrap(), data.len());
        producer.join().unwrap();
    }

    /// Step by step on one thread (how many buffers a threaded run allocates depends on
    /// scheduling): a chunk the last reader is done with goes back through the middle stage
    /// and is the very allocation the first producer fills next.
    #[test]
    fn a_chunk_the_end_is_done_with_is_refilled_by_the_first_producer() {
        let (mut first, mut middle_in) = channel(u64::MAX);
        let (mut middle_out, mut last) = channel(u64::MAX);
        let mut sent = Vec::new();
        for byte in [1u8, 2] {
            let mut buf = first.buffer();
            fill(&mut &vec![byte; CHUNK][..], &mut buf).unwrap();
            sent.push(buf.as_ptr());
            first.send(Ok(buf));
            let chunk = middle_in.take_chunk().unwrap().unwrap();
            assert_eq!(
                chunk.as_ptr(),
                *sent.last().unwrap(),
                "passed on without a copy"
            );
            middle_out.send(Ok(chunk));
        }
        // Reading past the first chunk makes the reader hand it back.
        let mut got = vec![0u8; CHUNK + 1];
        last.read_exact(&mut got).unwrap();
        assert_eq!((got[0], got[CHUNK]), (1, 2));
        assert!(
            first.take_recycled().is_none(),
            "nothing upstream before the middle moves it"
        );
        let back = middle_out
            .take_recycled()
            .expect("the first chunk came back to the middle");
        middle_in.give_back(back);
        let refill = first.buffer();
        assert_eq!(
            refill.as_ptr(),
            sent[0],
            "the producer refills the same buffer"
        );
    }

    #[test]
    fn skipping_crosses_chunks_and_every_byte_received_is_hashed() {
        let data: Vec<u8> = (0..2 * CHUNK + 100).map(|i| (i % 253) as u8).collect();
        let (mut tx, mut rx) = channel(u64::MAX);
        let source = data.clone();
        let producer = std::thread::spawn(move || {
            let mut reader = &source[..];
            loop {
                let mut buf = tx.buffer();
                fill(&mut reader, &mut buf).unwrap();
                if buf.is_empty() {
                    break;
                }
                tx.send(Ok(buf));
            }
        });
        rx.hash();
        let mut first = [0u8; 5];
        rx.read_exact(&mut first).unwrap();
        assert_eq!(first, data[..5]);
        assert_eq!(rx.skip(CHUNK as u64).unwrap(), CHUNK as u64);
        let mut next = [0u8; 4];
        rx.read_exact(&mut next).unwrap();
        assert_eq!(next, data[CHUNK + 5..CHUNK + 9]);
        // Past the end: skips what is left, then reads nothing.
        assert_eq!(rx.skip(u64::MAX).unwrap(), (CHUNK + 100 - 9) as u64);
        assert_eq!(rx.read(&mut next).unwrap(), 0);
        let hash = rx.take_hash();
        assert_eq!(hash.bytes, data.len() as u64);
        assert_eq!(hash.finish(), super::super::digest::Sha256Digest::of(&data));
        producer.join().unwrap();
    }
}
