//! `lnwatch-plugin`: started by lightningd (`plugin=` or `lightning-cli plugin start`).

use std::time::Duration;

fn main() {
    // stdout belongs to lightningd's JSON-RPC; anything printed there would get the plugin
    // killed, so failures go to stderr (which lightningd inherits).
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lnwatch-plugin: cannot start runtime: {e}");
            std::process::exit(1);
        }
    };
    let env = lnwatch_plugin::PluginEnv::from_process();
    let result = runtime.block_on(lnwatch_plugin::run(tokio::io::stdin(), tokio::io::stdout(), env));
    // Client tasks blocked on a stalled peer must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(100));
    if let Err(e) = result {
        eprintln!("lnwatch-plugin: {e}");
        std::process::exit(1);
    }
}
