/// Told about tarball bytes as they come off the network, for a progress display. Called
/// from the download tasks, several at once; it must return quickly.
pub trait DownloadObserver: Send + Sync {
    /// `bytes` more are on their way: a response's `Content-Length`, or, for a body that
    /// announced none (or more than it announced), each chunk as it arrives.
    fn expect(&self, bytes: u64);
    /// A chunk of `bytes` arrived.
    fn receive(&self, bytes: u64);
    /// A body was cut off and will be fetched again: `bytes` it announced never came.
    fn abandon(&self, bytes: u64);
    /// One tarball's body arrived whole.
    fn finish(&self);
}

/// Tells no one.
pub(crate) struct NoObserver;

impl DownloadObserver for NoObserver {
    fn expect(&self, _bytes: u64) {}
    fn receive(&self, _bytes: u64) {}
    fn abandon(&self, _bytes: u64) {}
    fn finish(&self) {}
}
