fn main() {
    // Like any command-line tool, end quietly when the reader of our output goes away
    // (`vrlab list | head`) instead of panicking on a broken pipe.
    // Safety: setting a signal disposition before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(vrlab::cli::main());
}
