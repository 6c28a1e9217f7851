//! The Bitcoin backend lightningd asks about the chain, served from a [`Chain`] directory: the
//! five methods that replace `bcli` (`disable-plugin=bcli`, `plugin=lnwatch-regtest-chain`).

use bitcoin::consensus::encode::{deserialize_hex, serialize_hex};
use bitcoin::{OutPoint, Transaction, Txid};
use serde_json::{Value, json};

use crate::chain::{Chain, UtxoView, block_hash_hex};
use crate::plugin_io;

/// The methods lightningd requires of a Bitcoin backend.
pub const METHODS: [&str; 5] =
    ["getchaininfo", "estimatefees", "getrawblockbyheight", "getutxout", "sendrawtransaction"];

/// Where the chain directory is named, for every process of a test network.
pub const CHAIN_DIR_ENV: &str = "LNWATCH_REGTEST_CHAIN";

pub struct Backend {
    chain: Chain,
    utxos: UtxoView,
}

impl Backend {
    pub fn new(chain: Chain) -> Backend {
        Backend { chain, utxos: UtxoView::default() }
    }

    /// Answers one request from lightningd.
    pub fn handle(&mut self, method: &str, params: &Value) -> Result<Value, String> {
        match method {
            "getmanifest" => Ok(plugin_io::manifest(&METHODS, &[], false)),
            "init" => Ok(json!({})),
            "getchaininfo" => {
                let height = self.chain.height().map_err(|e| e.to_string())?;
                Ok(json!({"chain":"regtest","headercount":height,"blockcount":height,"ibd":false}))
            }
            // sat per 1000 vbytes, by confirmation target; lightningd interpolates between them.
            "estimatefees" => Ok(json!({"feerate_floor":1000,"feerates":[
                {"blocks":2,"feerate":7500},{"blocks":6,"feerate":5000},
                {"blocks":12,"feerate":3000},{"blocks":100,"feerate":1000}]})),
            "getrawblockbyheight" => {
                let height =
                    params["height"].as_u64().and_then(|h| u32::try_from(h).ok()).ok_or("height: not a u32")?;
                match self.chain.block(height).map_err(|e| e.to_string())? {
                    Some(block) => Ok(json!({"blockhash": block_hash_hex(&block), "block": serialize_hex(&block)})),
                    None => Ok(json!({"blockhash": null, "block": null})),
                }
            }
            "getutxout" => {
                let txid: Txid =
                    params["txid"].as_str().ok_or("txid missing")?.parse().map_err(|e| format!("txid: {e}"))?;
                let vout = params["vout"].as_u64().and_then(|v| u32::try_from(v).ok()).ok_or("vout: not a u32")?;
                self.utxos.refresh(&self.chain).map_err(|e| e.to_string())?;
                Ok(match self.utxos.get(&OutPoint { txid, vout }) {
                    Some(out) => json!({"amount": out.value.to_sat(), "script": out.script_pubkey.to_hex_string()}),
                    None => json!({"amount": null, "script": null}),
                })
            }
            "sendrawtransaction" => {
                let tx: Transaction = deserialize_hex(params["tx"].as_str().ok_or("tx missing")?)
                    .map_err(|e| format!("TX decode failed: {e}"))?;
                self.utxos.refresh(&self.chain).map_err(|e| e.to_string())?;
                let mempool = self.chain.mempool().map_err(|e| e.to_string())?;
                Ok(match self.utxos.accept(&tx, &mempool) {
                    Ok(true) => match self.chain.add_to_mempool(&tx) {
                        Ok(()) => json!({"success": true}),
                        Err(e) => json!({"success": false, "errmsg": e.to_string()}),
                    },
                    Ok(false) => json!({"success": true}),
                    Err(reason) => json!({"success": false, "errmsg": reason}),
                })
            }
            _ => Err(format!("unknown method {method}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::Amount;

    #[test]
    fn answers_as_lightningd_expects() {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(dir.path()).unwrap();
        let mut b = Backend::new(chain.clone());
        let m = b.handle("getmanifest", &json!({})).unwrap();
        let names: Vec<&str> =
            m["rpcmethods"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
        assert_eq!(names, METHODS);
        assert_eq!(b.handle("getchaininfo", &json!({"last_height":0})).unwrap()["blockcount"], json!(0));

        let script = crate::chain::address_script("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080").unwrap();
        chain.mine(2, &[(script, Amount::from_sat(123_456))]).unwrap();
        assert_eq!(b.handle("getchaininfo", &json!({})).unwrap()["headercount"], json!(2));
        let blk = b.handle("getrawblockbyheight", &json!({"height":1})).unwrap();
        let block: bitcoin::Block = deserialize_hex(blk["block"].as_str().unwrap()).unwrap();
        assert_eq!(blk["blockhash"], json!(block.block_hash().to_string()));
        assert_eq!(
            b.handle("getrawblockbyheight", &json!({"height":3})).unwrap(),
            json!({"blockhash":null,"block":null})
        );

        let faucet = block.txdata[1].compute_txid().to_string();
        let out = b.handle("getutxout", &json!({"txid": faucet, "vout": 0})).unwrap();
        assert_eq!(out["amount"], json!(123_456));
        assert_eq!(out["script"], json!("0014751e76e8199196d454941c45d1b3a323f1433bd6"));
        assert_eq!(b.handle("getutxout", &json!({"txid": faucet, "vout": 1})).unwrap()["script"], Value::Null);

        let fees = b.handle("estimatefees", &json!({})).unwrap();
        assert!(
            fees["feerates"].as_array().unwrap().windows(2).all(|w| w[0]["blocks"].as_u64() < w[1]["blocks"].as_u64())
        );

        // A transaction spending nothing known is refused with bitcoind's reason; garbage too.
        let spend = Transaction { input: vec![bitcoin::TxIn::default()], ..block.txdata[1].clone() };
        let r = b.handle("sendrawtransaction", &json!({"tx": serialize_hex(&spend), "allowhighfees": false})).unwrap();
        assert_eq!(r["success"], json!(false));
        assert!(r["errmsg"].as_str().unwrap().contains("missingorspent"));
        assert!(b.handle("sendrawtransaction", &json!({"tx": "zz"})).is_err());
        assert!(b.handle("nosuch", &json!({})).is_err());
    }
}
