//! The native `utoo` binary (the npm package's `bin` goes through the Node addon instead;
//! both share `utoo_cli::run`).

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    let code = runtime.block_on(utoo_cli::run(std::env::args().collect(), None));
    std::process::exit(code);
}
