//! PN532 frames (NXP UM0701-02, §6.2.1): pure encoding and decoding, no I/O.
//!
//! A normal information frame is
//! `00 00 FF LEN LCS TFI PD0 … PDn DCS 00`, where `LEN` counts `TFI` and the
//! data bytes, `LEN + LCS ≡ 0` and `TFI + PD0 + … + PDn + DCS ≡ 0 (mod 256)`.
//! `TFI` is `D4` from the host and `D5` from the PN532. Besides those there
//! are the ACK frame `00 00 FF 00 FF 00`, the NACK frame `00 00 FF FF 00 00`
//! and the application-level error frame `00 00 FF 01 FF 7F 81 00`. Extended
//! information frames (`00 00 FF FF FF LENM LENL …`) are recognised and
//! rejected: nothing here needs more than 254 data bytes.
//!
//! [`decode`] works on a byte stream: it skips anything before the start
//! code `00 FF`, says how many bytes a frame took, and tells a frame that is
//! not complete yet from one that is broken.

use thiserror::Error;

/// `TFI` of a frame from the host to the PN532.
pub const HOST_TO_PN532: u8 = 0xD4;
/// `TFI` of a frame from the PN532 to the host.
pub const PN532_TO_HOST: u8 = 0xD5;
/// `TFI` of the application-level error frame.
pub const ERROR_TFI: u8 = 0x7F;
/// The most data bytes (after `TFI`) a normal information frame carries.
pub const MAX_DATA: usize = 254;

/// The ACK frame.
pub const ACK: [u8; 6] = [0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00];
/// The NACK frame (asks the other side to send its last frame again).
pub const NACK: [u8; 6] = [0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00];
/// The application-level error frame (the PN532 found a syntax error).
pub const ERROR: [u8; 8] = [0x00, 0x00, 0xFF, 0x01, 0xFF, ERROR_TFI, 0x81, 0x00];

/// Bytes of a normal information frame besides its data: preamble, start
/// code, `LEN`, `LCS`, `TFI`, `DCS`, postamble.
pub const OVERHEAD: usize = 8;

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Acknowledges a command (or, from the host, aborts the current one).
    Ack,
    /// Asks for the last frame again.
    Nack,
    /// The PN532 found an application-level error in the last command.
    Error,
    /// A normal information frame.
    Information {
        /// [`HOST_TO_PN532`] or [`PN532_TO_HOST`].
        tfi: u8,
        /// The command or response code and its parameters (`PD0 … PDn`).
        data: Vec<u8>,
    },
}

/// Why bytes that start like a frame are not one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// `LEN + LCS` is not 0 modulo 256.
    #[error("fel längdkontrollsumma (LEN {len:#04x}, LCS {lcs:#04x})")]
    LengthChecksum {
        /// The `LEN` byte.
        len: u8,
        /// The `LCS` byte.
        lcs: u8,
    },
    /// `TFI + data + DCS` is not 0 modulo 256.
    #[error("fel datakontrollsumma")]
    DataChecksum,
    /// An extended information frame, which is not supported.
    #[error("utökad ram stöds inte")]
    Extended,
    /// More data than a normal information frame can carry.
    #[error("för mycket data för en ram ({0} byte)")]
    TooLong(usize),
}

/// What [`decode`] found at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A whole frame; it and any garbage before it took `used` bytes.
    Frame {
        /// The frame.
        frame: Frame,
        /// Bytes to drop from the buffer.
        used: usize,
    },
    /// No whole frame yet; the first `skip` bytes are garbage and can be
    /// dropped, the rest may still become a frame.
    Incomplete {
        /// Bytes to drop from the buffer.
        skip: usize,
    },
    /// Bytes that start like a frame but break its rules; drop `used` bytes
    /// and decode again to resynchronise.
    Invalid {
        /// What was wrong.
        error: FrameError,
        /// Bytes to drop from the buffer.
        used: usize,
    },
}

/// The sum of `bytes` modulo 256.
fn sum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |acc, b| acc.wrapping_add(*b))
}

/// Encodes a normal information frame with `tfi` and `data` (the command or
/// response code first), at most [`MAX_DATA`] bytes of it.
pub fn encode(tfi: u8, data: &[u8]) -> Result<Vec<u8>, FrameError> {
    if data.len() > MAX_DATA {
        return Err(FrameError::TooLong(data.len()));
    }
    // At most 254 data bytes plus TFI: LEN fits in a byte (checked above).
    let len = (data.len() + 1) as u8;
    let mut out = Vec::with_capacity(data.len() + OVERHEAD);
    out.extend_from_slice(&[0x00, 0x00, 0xFF, len, len.wrapping_neg(), tfi]);
    out.extend_from_slice(data);
    out.push(tfi.wrapping_add(sum(data)).wrapping_neg());
    out.push(0x00);
    Ok(out)
}

impl Frame {
    /// The frame's bytes; `None` for an information frame with more than
    /// [`MAX_DATA`] data bytes.
    pub fn encode(&self) -> Option<Vec<u8>> {
        match self {
            Frame::Ack => Some(ACK.to_vec()),
            Frame::Nack => Some(NACK.to_vec()),
            Frame::Error => Some(ERROR.to_vec()),
            Frame::Information { tfi, data } => encode(*tfi, data).ok(),
        }
    }
}

/// Decodes the first frame in `buf`, skipping garbage before the start code
/// `00 FF`. The postamble is not required (it is skipped as garbage before
/// the next frame), so a frame is complete as soon as its `DCS` is in.
pub fn decode(buf: &[u8]) -> Decoded {
    let Some(start) = buf.windows(2).position(|w| w == [0x00, 0xFF]) else {
        // A trailing 00 may be the first half of a start code.
        let skip = if buf.last() == Some(&0x00) {
            buf.len() - 1
        } else {
            buf.len()
        };
        return Decoded::Incomplete { skip };
    };
    let body = &buf[start + 2..];
    let (Some(&len), Some(&lcs)) = (body.first(), body.get(1)) else {
        return Decoded::Incomplete { skip: start };
    };
    // Past the start code: dropping this much resynchronises on the next one.
    let past_start = start + 2;
    let with_postamble = |end: usize| {
        if buf.get(end) == Some(&0x00) {
            end + 1
        } else {
            end
        }
    };
    match (len, lcs) {
        (0x00, 0xFF) => {
            return Decoded::Frame {
                frame: Frame::Ack,
                used: with_postamble(past_start + 2),
            };
        }
        (0xFF, 0x00) => {
            return Decoded::Frame {
                frame: Frame::Nack,
                used: with_postamble(past_start + 2),
            };
        }
        (0xFF, 0xFF) => {
            return Decoded::Invalid {
                error: FrameError::Extended,
                used: past_start,
            };
        }
        _ => {}
    }
    if len == 0 || len.wrapping_add(lcs) != 0 {
        return Decoded::Invalid {
            error: FrameError::LengthChecksum { len, lcs },
            used: past_start,
        };
    }
    // TFI and data, then DCS.
    let payload_end = 2 + usize::from(len);
    let Some(&dcs) = body.get(payload_end) else {
        return Decoded::Incomplete { skip: start };
    };
    let payload = &body[2..payload_end];
    let end = past_start + payload_end + 1;
    if sum(payload).wrapping_add(dcs) != 0 {
        return Decoded::Invalid {
            error: FrameError::DataChecksum,
            used: with_postamble(end),
        };
    }
    let frame = if payload == [ERROR_TFI] {
        Frame::Error
    } else {
        Frame::Information {
            tfi: payload[0],
            data: payload[1..].to_vec(),
        }
    };
    Decoded::Frame {
        frame,
        used: with_postamble(end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn info(tfi: u8, data: &[u8]) -> Frame {
        Frame::Information {
            tfi,
            data: data.to_vec(),
        }
    }

    #[test]
    fn encodes_the_manuals_example() {
        // GetFirmwareVersion, as in UM0701-02 §7.2.2.
        assert_eq!(
            encode(HOST_TO_PN532, &[0x02]).unwrap(),
            [0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00]
        );
    }

    #[test]
    fn round_trips_information_ack_nack_and_error() {
        for frame in [
            info(PN532_TO_HOST, &[0x4B, 0x01, 0x01, 0x00, 0x04, 0x08, 0x04]),
            info(HOST_TO_PN532, &[0x14, 0x01]),
            Frame::Ack,
            Frame::Nack,
            Frame::Error,
        ] {
            let bytes = frame.encode().unwrap();
            assert_eq!(
                decode(&bytes),
                Decoded::Frame {
                    frame,
                    used: bytes.len()
                }
            );
        }
    }

    #[test]
    fn constants_are_what_the_manual_says() {
        assert_eq!(Frame::Ack.encode().unwrap(), [0, 0, 0xFF, 0, 0xFF, 0]);
        assert_eq!(Frame::Nack.encode().unwrap(), [0, 0, 0xFF, 0xFF, 0, 0]);
        assert_eq!(
            Frame::Error.encode().unwrap(),
            [0, 0, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0]
        );
    }

    #[test]
    fn a_bad_length_checksum_is_invalid_and_skips_only_the_start_code() {
        let mut bytes = encode(PN532_TO_HOST, &[0x15]).unwrap();
        bytes[4] ^= 0x01;
        assert_eq!(
            decode(&bytes),
            Decoded::Invalid {
                error: FrameError::LengthChecksum {
                    len: 0x02,
                    lcs: 0xFE ^ 0x01
                },
                used: 3
            }
        );
    }

    #[test]
    fn a_bad_data_checksum_is_invalid_and_skips_the_whole_frame() {
        let mut bytes = encode(PN532_TO_HOST, &[0x03, 0x32, 0x01, 0x06, 0x07]).unwrap();
        let dcs = bytes.len() - 2;
        bytes[dcs] = bytes[dcs].wrapping_add(1);
        bytes.extend_from_slice(&ACK);
        assert_eq!(
            decode(&bytes),
            Decoded::Invalid {
                error: FrameError::DataChecksum,
                used: bytes.len() - ACK.len()
            }
        );
        // What follows the broken frame is still read.
        assert_eq!(
            decode(&bytes[bytes.len() - ACK.len()..]),
            Decoded::Frame {
                frame: Frame::Ack,
                used: ACK.len()
            }
        );
    }

    #[test]
    fn garbage_before_the_start_code_is_skipped() {
        let frame = encode(PN532_TO_HOST, &[0x15]).unwrap();
        // Includes a wake-up preamble, a lone 00 and a false FF.
        let mut bytes = vec![0x55, 0x55, 0x00, 0x00, 0x13, 0xFF, 0x37];
        bytes.extend_from_slice(&frame);
        assert_eq!(
            decode(&bytes),
            Decoded::Frame {
                frame: info(PN532_TO_HOST, &[0x15]),
                used: bytes.len()
            }
        );
    }

    #[test]
    fn a_false_start_code_in_garbage_resynchronises() {
        // 00 FF 05 05: a start code with a bad LCS, then the real frame.
        let mut bytes = vec![0x00, 0xFF, 0x05, 0x05];
        bytes.extend_from_slice(&ACK);
        let Decoded::Invalid { used, .. } = decode(&bytes) else {
            panic!("expected an invalid frame");
        };
        assert_eq!(
            decode(&bytes[used..]),
            Decoded::Frame {
                frame: Frame::Ack,
                used: bytes.len() - used
            }
        );
    }

    #[test]
    fn a_truncated_frame_is_incomplete_at_every_length() {
        let bytes = encode(PN532_TO_HOST, &[0x4B, 0x00]).unwrap();
        // Without the postamble the frame is already complete.
        for cut in 0..bytes.len() - 1 {
            let Decoded::Incomplete { skip } = decode(&bytes[..cut]) else {
                panic!("{cut} bytes decoded as more than a partial frame");
            };
            // Only the preamble may be dropped, never part of the start code.
            assert!(skip <= 1, "{cut} bytes: skip {skip}");
        }
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1]),
            Decoded::Frame { used, .. } if used == bytes.len() - 1
        ));
    }

    #[test]
    fn garbage_without_a_start_code_is_dropped_but_a_trailing_zero_kept() {
        assert_eq!(decode(&[0x12, 0x34, 0xFF]), Decoded::Incomplete { skip: 3 });
        assert_eq!(decode(&[0x12, 0x34, 0x00]), Decoded::Incomplete { skip: 2 });
        assert_eq!(decode(&[]), Decoded::Incomplete { skip: 0 });
    }

    #[test]
    fn extended_frames_are_rejected() {
        let bytes = [
            0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0xFF, 0xD5, 0x2B, 0x00,
        ];
        assert_eq!(
            decode(&bytes),
            Decoded::Invalid {
                error: FrameError::Extended,
                used: 3
            }
        );
    }

    #[test]
    fn a_zero_length_frame_is_invalid() {
        assert!(matches!(
            decode(&[0x00, 0x00, 0xFF, 0x00, 0x00, 0x00]),
            Decoded::Invalid {
                error: FrameError::LengthChecksum { len: 0, lcs: 0 },
                ..
            }
        ));
    }

    #[test]
    fn too_much_data_is_refused() {
        assert_eq!(
            encode(HOST_TO_PN532, &[0; MAX_DATA + 1]),
            Err(FrameError::TooLong(MAX_DATA + 1))
        );
        assert!(encode(HOST_TO_PN532, &[0; MAX_DATA]).is_ok());
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(
            tfi in any::<u8>().prop_filter("not the error TFI", |t| *t != ERROR_TFI),
            data in proptest::collection::vec(any::<u8>(), 0..=MAX_DATA),
        ) {
            let bytes = encode(tfi, &data).unwrap();
            prop_assert_eq!(bytes.len(), data.len() + OVERHEAD);
            prop_assert_eq!(
                decode(&bytes),
                Decoded::Frame { frame: Frame::Information { tfi, data }, used: bytes.len() }
            );
        }

        #[test]
        fn decoding_never_panics_and_always_makes_progress_or_waits(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            match decode(&bytes) {
                Decoded::Frame { used, .. } | Decoded::Invalid { used, .. } => {
                    prop_assert!(used > 0 && used <= bytes.len());
                }
                Decoded::Incomplete { skip } => prop_assert!(skip <= bytes.len()),
            }
        }
    }
}
