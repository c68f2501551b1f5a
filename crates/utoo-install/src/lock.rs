//! One install per project at a time. Two runs in the same project (a dev server installing
//! on demand while the user runs `utoo install`) would otherwise interleave their writes into
//! one node_modules. The lock is an OS file lock, so a killed run releases it with its process.

use std::fs::{File, OpenOptions, TryLockError};
use std::time::Duration;

use utoo_events::{Events, WarningCode};

use crate::project::Project;
use crate::{InstallError, Mode};

/// In node_modules, beside npm's hidden lockfile: the only folder utoo may create files in.
const LOCK_FILE: &str = ".utoo-lock";
const POLL: Duration = Duration::from_millis(50);

/// Held for the whole run; dropping it releases the lock.
pub(crate) struct ProjectLock {
    _file: Option<File>,
}

impl ProjectLock {
    /// Takes the project's lock, waiting (and saying so once) while another run holds it.
    /// Polls instead of blocking a thread, so cancelling the install also stops the wait.
    /// `--lockfile-only` in a project without node_modules takes no lock rather than create
    /// the folder.
    pub(crate) async fn acquire(
        project: &Project,
        mode: Mode,
        events: &Events,
    ) -> Result<ProjectLock, InstallError> {
        let dir = project.node_modules();
        if mode == Mode::LockfileOnly && !dir.is_dir() {
            return Ok(ProjectLock { _file: None });
        }
        let io = |source| InstallError::Io {
            path: dir.join(LOCK_FILE),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        wait_for(file, project, events, io).await
    }

    /// Waits for a run that holds the project's lock, if there is a lock file, and holds it
    /// in turn; creates nothing (a dry run must leave the project as it found it).
    pub(crate) async fn acquire_existing(
        project: &Project,
        events: &Events,
    ) -> Result<ProjectLock, InstallError> {
        let path = project.node_modules().join(LOCK_FILE);
        let Ok(file) = OpenOptions::new().write(true).open(&path) else {
            return Ok(ProjectLock { _file: None });
        };
        wait_for(file, project, events, |source| InstallError::Io {
            path: path.clone(),
            source,
        })
        .await
    }
}

async fn wait_for(
    file: File,
    project: &Project,
    events: &Events,
    io: impl Fn(std::io::Error) -> InstallError,
) -> Result<ProjectLock, InstallError> {
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(ProjectLock { _file: Some(file) }),
            Err(TryLockError::WouldBlock) => {
                if !told {
                    told = true;
                    events.warn(
                        WarningCode::ProjectLocked,
                        format!(
                            "another install is running in {}; waiting for it to finish",
                            project.root.display()
                        ),
                    );
                }
                tokio::time::sleep(POLL).await;
            }
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
    }
}
