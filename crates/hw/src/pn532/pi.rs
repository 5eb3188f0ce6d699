//! PN532 over I2C and SPI on a Raspberry Pi (rppal), for [`Pn532`].
//!
//! Both buses are host-driven: the PN532 cannot push bytes, so reading
//! first asks for its status (ready bit 0) and then reads one whole frame
//! (UM0701-02 §6.2.4 and §6.2.5). [`Transport::read`] returns that frame
//! only, cut at its end with [`frame::decode`], so that the bus's padding
//! never reaches the driver.

use std::thread;
use std::time::{Duration, Instant};

use rppal::i2c::I2c;
use rppal::spi::{self, Bus, Mode, SlaveSelect, Spi};

use super::frame::{self, Decoded};
use super::{Pn532, Transport};
use crate::ReaderError;

/// The PN532's 7-bit I2C address.
pub const I2C_ADDRESS: u16 = 0x24;

/// SPI clock: the PN532 allows up to 5 MHz; 1 MHz is safe on long wires.
pub const SPI_CLOCK_HZ: u32 = 1_000_000;

/// SPI prefix byte: data write (host to PN532).
const SPI_DATA_WRITE: u8 = 0x01;
/// SPI prefix byte: status read.
const SPI_STATUS_READ: u8 = 0x02;
/// SPI prefix byte: data read (PN532 to host).
const SPI_DATA_READ: u8 = 0x03;

/// The status byte's ready bit.
const READY: u8 = 0x01;

/// Bytes read for one frame: enough for every response this driver asks
/// for (the longest, `InListPassiveTarget` with a 10-byte UID and an ATS,
/// is well under 64).
const FRAME_READ: usize = 64;

/// Pause between status polls.
const STATUS_POLL: Duration = Duration::from_millis(2);

/// Copies the first frame in `frame_bytes` (or all of them if none is whole)
/// into `buf`.
fn first_frame(frame_bytes: &[u8], buf: &mut [u8]) -> usize {
    let end = match frame::decode(frame_bytes) {
        Decoded::Frame { used, .. } | Decoded::Invalid { used, .. } => used,
        Decoded::Incomplete { .. } => frame_bytes.len(),
    };
    let n = end.min(buf.len());
    buf[..n].copy_from_slice(&frame_bytes[..n]);
    n
}

impl Pn532<PiI2c> {
    /// Opens a PN532 on the I2C bus `device`, e.g. `/dev/i2c-1` (or `1`);
    /// the chip is woken and configured on first use.
    pub fn open_i2c(device: &str) -> Result<Self, ReaderError> {
        Ok(Pn532::new(PiI2c::open(device)?))
    }
}

impl Pn532<PiSpi> {
    /// Opens a PN532 on the SPI device `device`, e.g. `/dev/spidev0.0` (or
    /// `0.0`: bus 0, chip select CE0); the chip is woken and configured on
    /// first use.
    pub fn open_spi(device: &str) -> Result<Self, ReaderError> {
        Ok(Pn532::new(PiSpi::open(device)?))
    }
}

fn bad_device(device: &str, example: &str) -> ReaderError {
    ReaderError::Device {
        device: device.to_string(),
        reason: format!("okänt enhetsnamn (skriv t.ex. {example})"),
    }
}

/// The bus number in `/dev/i2c-N` or `N`.
fn i2c_bus(device: &str) -> Option<u8> {
    device
        .strip_prefix("/dev/i2c-")
        .unwrap_or(device)
        .parse()
        .ok()
}

/// Bus and chip select in `/dev/spidevB.S` or `B.S`.
fn spi_bus(device: &str) -> Option<(Bus, SlaveSelect)> {
    let (bus, select) = device
        .strip_prefix("/dev/spidev")
        .unwrap_or(device)
        .split_once('.')?;
    let bus = match bus.parse::<u8>().ok()? {
        0 => Bus::Spi0,
        1 => Bus::Spi1,
        2 => Bus::Spi2,
        3 => Bus::Spi3,
        4 => Bus::Spi4,
        5 => Bus::Spi5,
        6 => Bus::Spi6,
        _ => return None,
    };
    let select = match select.parse::<u8>().ok()? {
        0 => SlaveSelect::Ss0,
        1 => SlaveSelect::Ss1,
        2 => SlaveSelect::Ss2,
        3 => SlaveSelect::Ss3,
        4 => SlaveSelect::Ss4,
        5 => SlaveSelect::Ss5,
        6 => SlaveSelect::Ss6,
        7 => SlaveSelect::Ss7,
        8 => SlaveSelect::Ss8,
        9 => SlaveSelect::Ss9,
        10 => SlaveSelect::Ss10,
        11 => SlaveSelect::Ss11,
        12 => SlaveSelect::Ss12,
        13 => SlaveSelect::Ss13,
        14 => SlaveSelect::Ss14,
        15 => SlaveSelect::Ss15,
        _ => return None,
    };
    Some((bus, select))
}

/// A PN532 on an I2C bus.
#[derive(Debug)]
pub struct PiI2c {
    i2c: I2c,
    name: String,
}

impl PiI2c {
    /// Opens the I2C bus `device` (`/dev/i2c-1` or `1`, the bus on a
    /// Raspberry Pi's header) for the PN532 at [`I2C_ADDRESS`].
    pub fn open(device: &str) -> Result<PiI2c, ReaderError> {
        let bus = i2c_bus(device).ok_or_else(|| bad_device(device, "/dev/i2c-1"))?;
        let name = device.to_string();
        let error = |e: rppal::i2c::Error| ReaderError::Device {
            device: name.clone(),
            reason: e.to_string(),
        };
        let mut i2c = I2c::with_bus(bus).map_err(error)?;
        i2c.set_slave_address(I2C_ADDRESS).map_err(error)?;
        Ok(PiI2c { i2c, name })
    }

    fn device_error(&self, e: rppal::i2c::Error) -> ReaderError {
        ReaderError::Device {
            device: self.name.clone(),
            reason: e.to_string(),
        }
    }
}

impl Transport for PiI2c {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), ReaderError> {
        let written = self.i2c.write(bytes).map_err(|e| self.device_error(e))?;
        if written == bytes.len() {
            Ok(())
        } else {
            Err(ReaderError::Protocol(format!(
                "I2C skrev {written} av {} byte",
                bytes.len()
            )))
        }
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, ReaderError> {
        loop {
            // Every I2C read starts with the status byte.
            let mut status = [0u8; 1];
            self.i2c
                .read(&mut status)
                .map_err(|e| self.device_error(e))?;
            if status[0] & READY != 0 {
                let mut bytes = [0u8; 1 + FRAME_READ];
                self.i2c
                    .read(&mut bytes)
                    .map_err(|e| self.device_error(e))?;
                return Ok(first_frame(&bytes[1..], buf));
            }
            if Instant::now() >= deadline {
                return Ok(0);
            }
            thread::sleep(STATUS_POLL);
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// A PN532 on an SPI bus (mode 0, LSB first).
#[derive(Debug)]
pub struct PiSpi {
    spi: Spi,
    name: String,
}

impl PiSpi {
    /// Opens the SPI device `device`, e.g. `/dev/spidev0.0` (or `0.0`) for
    /// bus 0 and chip select CE0 on the header, in mode 0.
    pub fn open(device: &str) -> Result<PiSpi, ReaderError> {
        let (bus, slave_select) =
            spi_bus(device).ok_or_else(|| bad_device(device, "/dev/spidev0.0"))?;
        let name = device.to_string();
        let spi = Spi::new(bus, slave_select, SPI_CLOCK_HZ, Mode::Mode0).map_err(|e| {
            ReaderError::Device {
                device: name.clone(),
                reason: e.to_string(),
            }
        })?;
        Ok(PiSpi { spi, name })
    }

    /// A full-duplex transfer of `out`, LSB first on the wire: the Pi's SPI
    /// only sends MSB first, so the bits are reversed in software.
    fn transfer(&mut self, out: &[u8]) -> Result<Vec<u8>, ReaderError> {
        let mut write = out.to_vec();
        spi::reverse_bits(&mut write);
        let mut read = vec![0u8; write.len()];
        self.spi
            .transfer(&mut read, &write)
            .map_err(|e| ReaderError::Device {
                device: self.name.clone(),
                reason: e.to_string(),
            })?;
        spi::reverse_bits(&mut read);
        Ok(read)
    }
}

impl Transport for PiSpi {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), ReaderError> {
        let mut out = Vec::with_capacity(1 + bytes.len());
        out.push(SPI_DATA_WRITE);
        out.extend_from_slice(bytes);
        self.transfer(&out).map(|_| ())
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, ReaderError> {
        loop {
            let status = self.transfer(&[SPI_STATUS_READ, 0x00])?;
            if status[1] & READY != 0 {
                let mut out = [0u8; 1 + FRAME_READ];
                out[0] = SPI_DATA_READ;
                let bytes = self.transfer(&out)?;
                return Ok(first_frame(&bytes[1..], buf));
            }
            if Instant::now() >= deadline {
                return Ok(0);
            }
            thread::sleep(STATUS_POLL);
        }
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_give_bus_and_chip_select() {
        assert_eq!(i2c_bus("/dev/i2c-1"), Some(1));
        assert_eq!(i2c_bus("3"), Some(3));
        assert_eq!(i2c_bus("/dev/ttyAMA0"), None);
        assert_eq!(
            spi_bus("/dev/spidev0.1"),
            Some((Bus::Spi0, SlaveSelect::Ss1))
        );
        assert_eq!(spi_bus("1.2"), Some((Bus::Spi1, SlaveSelect::Ss2)));
        assert_eq!(spi_bus("/dev/spidev7.0"), None);
        assert_eq!(spi_bus("/dev/spidev0"), None);
    }

    #[test]
    fn only_the_first_frame_of_a_bus_read_is_kept() {
        let mut bytes = frame::ACK.to_vec();
        bytes.extend([0x00; 10]);
        let mut buf = [0u8; 64];
        assert_eq!(first_frame(&bytes, &mut buf), frame::ACK.len());
        assert_eq!(buf[..frame::ACK.len()], frame::ACK);
    }
}
