//! lightningd's Bitcoin backend for test networks: serves the chain kept in the directory named
//! by `LNWATCH_REGTEST_CHAIN`. Start nodes with `disable-plugin=bcli` and `plugin=` this binary.

use std::io::{self, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use lnwatch_tests::backend::{Backend, CHAIN_DIR_ENV};
use lnwatch_tests::chain::Chain;
use lnwatch_tests::plugin_io;

fn main() -> ExitCode {
    let Some(dir) = std::env::var_os(CHAIN_DIR_ENV).map(PathBuf::from) else {
        eprintln!("lnwatch-regtest-chain: {CHAIN_DIR_ENV} must name the chain directory");
        return ExitCode::FAILURE;
    };
    let chain = match Chain::open(&dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("lnwatch-regtest-chain: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let mut backend = Backend::new(chain);
    let stdout = BufWriter::new(io::stdout().lock());
    match plugin_io::serve(io::stdin().lock(), stdout, |m, p| backend.handle(m, p)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lnwatch-regtest-chain: {e}");
            ExitCode::FAILURE
        }
    }
}
