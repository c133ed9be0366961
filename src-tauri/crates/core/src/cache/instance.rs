//! One Arbeidsflate per data directory: a second window (or a CLI sync while the app
//! runs) would fight over the same cache and send the same outbox twice.

use arbeidsflate_model::{AppError, ErrorCode};
use std::fs::{File, TryLockError};
use std::path::Path;

/// Held while the app runs; the OS releases it when the process ends, however it ends.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

impl InstanceLock {
    pub fn acquire(data_dir: &Path) -> Result<InstanceLock, AppError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("cannot create the data directory: {e}")))?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join("instance.lock"))
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("cannot open the instance lock: {e}")))?;
        match file.try_lock() {
            Ok(()) => Ok(InstanceLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(AppError::new(
                ErrorCode::AlreadyRunning,
                format!("another Arbeidsflate uses {}", data_dir.display()),
            )),
            Err(TryLockError::Error(e)) => {
                Err(AppError::new(ErrorCode::Internal, format!("cannot take the instance lock: {e}")))
            }
        }
    }
}
