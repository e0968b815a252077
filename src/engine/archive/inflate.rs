//! Decompression as a push stream: compressed bytes in, in slices of any size, decompressed
//! bytes out to a sink as they come, with the bomb guards checked on every piece
//! (docs/archives.md). flate2's write-side decoders fit the worker's slice pipeline; the
//! output is taken from them after each small piece, so at most a few MiB is ever held.

use std::io::{self, Read, Write};

use flate2::write::{DeflateDecoder, MultiGzDecoder};

use super::{ArchiveError, MAX_ENTRY_BYTES, MAX_RATIO};

/// Compressed bytes handed to the decoder at a time: at most ~1 000× this (8 MiB) comes out
/// of one piece, and the guards are checked after each.
const PIECE: usize = 8 << 10;

enum Decoder {
    Stored,
    Deflate(DeflateDecoder<Vec<u8>>),
    Gzip(MultiGzDecoder<Vec<u8>>),
}

/// Why feeding stopped: the data (an [`ArchiveError`]) or the sink's own error.
#[derive(Debug)]
pub enum Halt<E> {
    Archive(ArchiveError),
    Sink(E),
}

/// One entry (or one gzip file) being decompressed.
pub struct Inflater {
    decoder: Decoder,
    /// Compressed bytes fed so far.
    fed: u64,
    /// Decompressed bytes handed to the sink so far.
    written: u64,
    /// The size a zip entry's header declares; gzip declares none up front.
    declared: Option<u64>,
    /// A zip entry's CRC-32 as its header gives it, and the running one.
    crc: Option<(u32, crc32fast::Hasher)>,
    /// A guard or the data stopped it: later bytes are ignored.
    stopped: bool,
}

impl Inflater {
    /// A gzip file (one or more members, as `cat a.gz b.gz` makes).
    pub fn gzip() -> Self {
        Self::new(Decoder::Gzip(MultiGzDecoder::new(Vec::new())), None, None)
    }

    /// A zip entry of `method` (0 stored or 8 deflate, see [`super::plan`]) declaring
    /// `uncompressed` bytes with checksum `crc32`.
    pub fn zip_entry(method: u16, uncompressed: u64, crc32: u32) -> Self {
        let decoder = if method == 0 {
            Decoder::Stored
        } else {
            Decoder::Deflate(DeflateDecoder::new(Vec::new()))
        };
        Self::new(
            decoder,
            Some(uncompressed),
            Some((crc32, crc32fast::Hasher::new())),
        )
    }

    fn new(decoder: Decoder, declared: Option<u64>, crc: Option<(u32, crc32fast::Hasher)>) -> Self {
        Inflater {
            decoder,
            fed: 0,
            written: 0,
            declared,
            crc,
            stopped: false,
        }
    }

    /// Compressed bytes fed so far (progress counts these).
    pub fn compressed_bytes(&self) -> u64 {
        self.fed
    }

    /// Decompresses `input`, handing the output to `sink` piece by piece.
    pub fn feed<E>(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), Halt<E>> {
        if self.stopped {
            return Ok(());
        }
        for piece in input.chunks(PIECE) {
            self.fed += piece.len() as u64;
            let result = match &mut self.decoder {
                Decoder::Stored => {
                    self.emit(piece, sink)?;
                    continue;
                }
                Decoder::Deflate(d) => d.write_all(piece),
                Decoder::Gzip(d) => d.write_all(piece),
            };
            if let Err(e) = result {
                return Err(self.stop(ArchiveError::Damaged(damage(&e))));
            }
            self.drain(sink)?;
        }
        Ok(())
    }

    /// Hands over the output the decoder holds back (up to 32 KiB, until its next write),
    /// for a caller that looks at the head of a file and stops there. A stream flushed
    /// this way is not fed again.
    pub fn flush_held<E>(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), Halt<E>> {
        if self.stopped {
            return Ok(());
        }
        let flushed = match &mut self.decoder {
            Decoder::Stored => Ok(()),
            Decoder::Deflate(d) => d.flush(),
            Decoder::Gzip(d) => d.flush(),
        };
        if let Err(e) = flushed {
            return Err(self.stop(ArchiveError::Damaged(damage(&e))));
        }
        self.drain(sink)
    }

    /// Ends the stream: the decoder's last bytes, then the checks only the end can make
    /// (a zip entry's size and checksum; a gzip file's own checks are the decoder's).
    pub fn finish<E>(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), Halt<E>> {
        if self.stopped {
            return Ok(());
        }
        let result = match &mut self.decoder {
            Decoder::Stored => Ok(()),
            Decoder::Deflate(d) => d.try_finish(),
            Decoder::Gzip(d) => d.try_finish(),
        };
        if let Err(e) = result {
            return Err(self.stop(ArchiveError::Damaged(damage(&e))));
        }
        self.drain(sink)?;
        if let Some(declared) = self.declared {
            if self.written < declared {
                return Err(self.stop(ArchiveError::Damaged(format!(
                    "it ends after {} of the {declared} bytes its header declares",
                    self.written
                ))));
            }
        }
        if let Some((want, hasher)) = self.crc.take() {
            if hasher.finalize() != want {
                return Err(self.stop(ArchiveError::Damaged(
                    "its checksum does not match".to_string(),
                )));
            }
        }
        self.stopped = true;
        Ok(())
    }

    /// Hands what the decoder wrote so far to the sink.
    fn drain<E>(&mut self, sink: &mut dyn FnMut(&[u8]) -> Result<(), E>) -> Result<(), Halt<E>> {
        let out = match &mut self.decoder {
            Decoder::Stored => return Ok(()),
            Decoder::Deflate(d) => std::mem::take(d.get_mut()),
            Decoder::Gzip(d) => std::mem::take(d.get_mut()),
        };
        self.emit(&out, sink)?;
        // Give the buffer back, emptied, so it is not allocated again.
        let mut out = out;
        out.clear();
        match &mut self.decoder {
            Decoder::Stored => {}
            Decoder::Deflate(d) => *d.get_mut() = out,
            Decoder::Gzip(d) => *d.get_mut() = out,
        }
        Ok(())
    }

    /// Checks the guards, then hands `bytes` on.
    fn emit<E>(
        &mut self,
        bytes: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), Halt<E>> {
        if bytes.is_empty() {
            return Ok(());
        }
        let total = self.written + bytes.len() as u64;
        if let Some(declared) = self.declared {
            if total > declared {
                return Err(self.stop(ArchiveError::PastDeclared { declared }));
            }
        }
        if total > MAX_ENTRY_BYTES || total > MAX_RATIO.saturating_mul(self.fed) {
            return Err(self.stop(ArchiveError::ExpandsTooMuch {
                compressed: self.fed,
                written: self.written,
            }));
        }
        if let Some((_, hasher)) = &mut self.crc {
            hasher.update(bytes);
        }
        self.written = total;
        sink(bytes).map_err(|e| {
            self.stopped = true;
            Halt::Sink(e)
        })
    }

    fn stop<E>(&mut self, error: ArchiveError) -> Halt<E> {
        self.stopped = true;
        Halt::Archive(error)
    }
}

/// flate2's words for damaged data, or what a write-side decoder says when bytes follow
/// the end of the stream.
fn damage(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::WriteZero {
        "bytes follow the end of the compressed stream".to_string()
    } else {
        e.to_string()
    }
}

/// A decompressing reader over a compressed `source`, for the CLI's pull-based readers
/// (`Ingest::read_file_parallel` parses a large gzip'd status file on several threads).
/// Its errors carry the [`ArchiveError`] inside the `io::Error`.
pub struct InflateReader<R> {
    source: R,
    inflater: Inflater,
    out: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> InflateReader<R> {
    pub fn new(source: R, inflater: Inflater) -> Self {
        InflateReader {
            source,
            inflater,
            out: Vec::new(),
            at: 0,
            done: false,
        }
    }

    /// Compressed bytes read so far.
    pub fn compressed_bytes(&self) -> u64 {
        self.inflater.compressed_bytes()
    }
}

impl<R: Read> Read for InflateReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut input = [0u8; PIECE];
        while self.at == self.out.len() && !self.done {
            self.out.clear();
            self.at = 0;
            let out = &mut self.out;
            let mut sink = |bytes: &[u8]| -> Result<(), ()> {
                out.extend_from_slice(bytes);
                Ok(())
            };
            let n = match self.source.read(&mut input) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let result = if n == 0 {
                self.done = true;
                self.inflater.finish(&mut sink)
            } else {
                self.inflater.feed(&input[..n], &mut sink)
            };
            if let Err(Halt::Archive(error)) = result {
                self.done = true;
                return Err(io::Error::other(error));
            }
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{DeflateEncoder, GzEncoder};
    use flate2::Compression;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn run(inflater: &mut Inflater, input: &[u8], chunk: usize) -> (Vec<u8>, Option<ArchiveError>) {
        let mut out = Vec::new();
        let mut sink = |b: &[u8]| -> Result<(), ()> {
            out.extend_from_slice(b);
            Ok(())
        };
        let mut error = None;
        for piece in input.chunks(chunk.max(1)) {
            if let Err(Halt::Archive(e)) = inflater.feed(piece, &mut sink) {
                error = Some(e);
            }
        }
        if let Err(Halt::Archive(e)) = inflater.finish(&mut sink) {
            error = error.or(Some(e));
        }
        (out, error)
    }

    fn text(rows: usize) -> Vec<u8> {
        (0..rows)
            .map(|i| format!("store-{},active,2024-10-14 12:{:02}:00\n", i % 97, i % 60))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn gzip_and_deflate_come_out_whole_at_any_slice_size() {
        let plain = text(5000);
        for chunk in [1, 7, 4096, 1 << 20] {
            let (out, error) = run(&mut Inflater::gzip(), &gzip(&plain), chunk);
            assert_eq!((out == plain, error), (true, None), "gzip, chunk {chunk}");
            let crc = crc32fast::hash(&plain);
            let mut entry = Inflater::zip_entry(8, plain.len() as u64, crc);
            let (out, error) = run(&mut entry, &deflate(&plain), chunk);
            assert_eq!(
                (out == plain, error),
                (true, None),
                "deflate, chunk {chunk}"
            );
        }
        let mut joined = gzip(b"a\n");
        joined.extend(gzip(b"b\n"));
        assert_eq!(run(&mut Inflater::gzip(), &joined, 3).0, b"a\nb\n");
    }

    #[test]
    fn a_stored_entry_is_checked_too() {
        let plain = text(10);
        let crc = crc32fast::hash(&plain);
        let (out, error) = run(
            &mut Inflater::zip_entry(0, plain.len() as u64, crc),
            &plain,
            5,
        );
        assert_eq!((out, error), (plain.clone(), None));
        let (_, error) = run(
            &mut Inflater::zip_entry(0, plain.len() as u64, crc ^ 1),
            &plain,
            5,
        );
        assert!(matches!(error, Some(ArchiveError::Damaged(_))));
    }

    #[test]
    fn output_past_the_declared_size_stops_at_once() {
        let plain = text(5000);
        let crc = crc32fast::hash(&plain);
        let mut entry = Inflater::zip_entry(8, 1000, crc);
        let (out, error) = run(&mut entry, &deflate(&plain), 1 << 20);
        assert_eq!(error, Some(ArchiveError::PastDeclared { declared: 1000 }));
        assert!(out.len() <= 1000, "never more than declared: {}", out.len());
    }

    #[test]
    fn a_gzip_bomb_stops_near_its_ratio() {
        // 64 MiB of zeros compress ~1000×: past the limit well before the end.
        let zeros = vec![0u8; 64 << 20];
        let bomb = gzip(&zeros);
        let (out, error) = run(&mut Inflater::gzip(), &bomb, 1 << 16);
        assert!(
            matches!(error, Some(ArchiveError::ExpandsTooMuch { .. })),
            "{error:?}"
        );
        assert!(out.len() < zeros.len());
        assert!(out.len() as u64 <= MAX_RATIO * bomb.len() as u64);
    }

    #[test]
    fn damaged_and_cut_data_is_named() {
        let plain = text(2000);
        let mut damaged = gzip(&plain);
        let n = damaged.len();
        damaged[n / 2] ^= 0xff;
        damaged[n / 2 + 1] ^= 0xff;
        let (_, error) = run(&mut Inflater::gzip(), &damaged, 1000);
        assert!(matches!(error, Some(ArchiveError::Damaged(_))), "{error:?}");
        let cut = &gzip(&plain)[..n / 2];
        let (_, error) = run(&mut Inflater::gzip(), cut, 1000);
        assert!(
            matches!(error, Some(ArchiveError::Damaged(_))),
            "cut: {error:?}"
        );
        let crc = crc32fast::hash(&plain);
        let deflated = deflate(&plain);
        let cut = &deflated[..deflated.len() / 2];
        let (_, error) = run(
            &mut Inflater::zip_entry(8, plain.len() as u64, crc),
            cut,
            100,
        );
        assert!(
            matches!(error, Some(ArchiveError::Damaged(_))),
            "cut entry: {error:?}"
        );
    }

    #[test]
    fn the_reader_gives_the_same_bytes_and_carries_the_error() {
        let plain = text(3000);
        let packed = gzip(&plain);
        let mut reader = InflateReader::new(&packed[..], Inflater::gzip());
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!(out, plain);
        let zeros = gzip(&vec![0u8; 64 << 20]);
        let mut reader = InflateReader::new(&zeros[..], Inflater::gzip());
        let error = std::io::copy(&mut reader, &mut std::io::sink()).unwrap_err();
        let inner = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<ArchiveError>());
        assert!(matches!(inner, Some(ArchiveError::ExpandsTooMuch { .. })));
    }
}
