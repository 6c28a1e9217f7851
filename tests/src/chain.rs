//! A regtest chain kept in a directory, shared by every process of a test network: the test
//! harness mines into it, and each node's chain backend (`lnwatch-regtest-chain`) serves it.
//!
//! Layout: `blocks/NNNNNNNN.hex` (height ≥ 1; block 0 is the regtest genesis block, never
//! stored) and `mempool/<txid>.hex`. Every file is written to a temporary name and renamed, so a
//! reader sees a whole block or none, and no lock is needed: only the harness mines, backends
//! only add to the mempool. Nothing is validated beyond what keeps the chain coherent for
//! lightningd (no double spend, no unknown input), as bitcoind would refuse those too.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use bitcoin::block::{Header, Version as BlockVersion};
use bitcoin::consensus::encode::{deserialize_hex, serialize_hex};
use bitcoin::hashes::{Hash, sha256d};
use bitcoin::opcodes::all::OP_RETURN;
use bitcoin::script::Builder;
use bitcoin::transaction::Version;
use bitcoin::{
    Address, Amount, Block, BlockHash, CompactTarget, Network, OutPoint, ScriptBuf, Sequence, Transaction, TxIn,
    TxMerkleNode, TxOut, Txid, Witness, absolute,
};

/// A chain directory.
#[derive(Debug, Clone)]
pub struct Chain {
    dir: PathBuf,
}

impl Chain {
    /// Opens (creating if needed) the chain kept in `dir`.
    pub fn open(dir: &Path) -> io::Result<Chain> {
        fs::create_dir_all(dir.join("blocks"))?;
        fs::create_dir_all(dir.join("mempool"))?;
        Ok(Chain { dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn block_path(&self, height: u32) -> PathBuf {
        self.dir.join("blocks").join(format!("{height:08}.hex"))
    }

    /// The height of the tip (0 when only the genesis block exists).
    pub fn height(&self) -> io::Result<u32> {
        let mut tip = 0;
        for entry in fs::read_dir(self.dir.join("blocks"))? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if let Some(h) = name.strip_suffix(".hex").and_then(|n| n.parse::<u32>().ok()) {
                tip = tip.max(h);
            }
        }
        Ok(tip)
    }

    /// The block at `height`, or `None` above the tip.
    pub fn block(&self, height: u32) -> io::Result<Option<Block>> {
        if height == 0 {
            return Ok(Some(bitcoin::constants::genesis_block(Network::Regtest)));
        }
        match fs::read_to_string(self.block_path(height)) {
            Ok(hex) => deserialize_hex(hex.trim()).map(Some).map_err(invalid),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The transactions waiting to be mined, parents before children.
    pub fn mempool(&self) -> io::Result<Vec<Transaction>> {
        let mut txs = Vec::new();
        for entry in fs::read_dir(self.dir.join("mempool"))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "hex") {
                // A file removed by the miner between listing and reading is simply gone.
                match fs::read_to_string(&path) {
                    Ok(hex) => txs.push(deserialize_hex::<Transaction>(hex.trim()).map_err(invalid)?),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(parents_first(txs))
    }

    /// Adds `tx` to the mempool (no checks: see [`UtxoView::accept`]).
    pub fn add_to_mempool(&self, tx: &Transaction) -> io::Result<()> {
        let path = self.dir.join("mempool").join(format!("{}.hex", tx.compute_txid()));
        write_atomically(&path, &serialize_hex(tx))
    }

    /// Mines `n` blocks on the tip. The first holds the whole mempool and one transaction paying
    /// each `faucet` output; the rest are empty. Returns the new tip's height.
    pub fn mine(&self, n: u32, faucet: &[(ScriptBuf, Amount)]) -> io::Result<u32> {
        let mut height = self.height()?;
        let mut prev = self.block(height)?.ok_or_else(|| io::Error::other("the tip vanished"))?;
        let mempool = self.mempool()?;
        for i in 0..n {
            height += 1;
            let mut txdata = vec![coinbase(height)];
            if i == 0 {
                if !faucet.is_empty() {
                    txdata.push(faucet_tx(height, faucet));
                }
                txdata.extend(mempool.iter().cloned());
            }
            let block = build_block(&prev.header, txdata);
            write_atomically(&self.block_path(height), &serialize_hex(&block))?;
            prev = block;
        }
        for tx in &mempool {
            let path = self.dir.join("mempool").join(format!("{}.hex", tx.compute_txid()));
            match fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(height)
    }
}

/// The output script of a regtest address (bech32 P2WPKH/P2WSH, bech32m P2TR, base58).
pub fn address_script(address: &str) -> Result<ScriptBuf, String> {
    let unchecked = Address::from_str(address).map_err(|e| format!("{address}: {e}"))?;
    let checked = unchecked.require_network(Network::Regtest).map_err(|e| format!("{address}: {e}"))?;
    Ok(checked.script_pubkey())
}

/// The unspent outputs of the chain, brought up to date block by block, and the mempool's
/// admission rules.
#[derive(Debug, Default)]
pub struct UtxoView {
    /// Blocks applied so far (the genesis coinbase is unspendable and is skipped).
    applied: u32,
    utxos: HashMap<OutPoint, TxOut>,
    confirmed: HashSet<Txid>,
}

impl UtxoView {
    /// Applies the blocks mined since the last call.
    pub fn refresh(&mut self, chain: &Chain) -> io::Result<()> {
        while let Some(block) = chain.block(self.applied + 1)? {
            for tx in &block.txdata {
                if !tx.is_coinbase() {
                    for input in &tx.input {
                        self.utxos.remove(&input.previous_output);
                    }
                }
                let txid = tx.compute_txid();
                for (vout, out) in tx.output.iter().enumerate() {
                    self.utxos.insert(OutPoint { txid, vout: vout as u32 }, out.clone());
                }
                self.confirmed.insert(txid);
            }
            self.applied += 1;
        }
        Ok(())
    }

    pub fn get(&self, outpoint: &OutPoint) -> Option<&TxOut> {
        self.utxos.get(outpoint)
    }

    /// Whether `tx` may enter the mempool, as bitcoind would judge the cases lightningd meets:
    /// `Ok(false)` if it is already there, an error naming bitcoind's reason if it is mined,
    /// spends something unknown or spent, or conflicts with a mempool transaction.
    pub fn accept(&self, tx: &Transaction, mempool: &[Transaction]) -> Result<bool, String> {
        let txid = tx.compute_txid();
        if self.confirmed.contains(&txid) {
            return Err("Transaction outputs already in utxo set".into());
        }
        if mempool.iter().any(|m| m.compute_txid() == txid) {
            return Ok(false);
        }
        let in_mempool: HashSet<Txid> = mempool.iter().map(Transaction::compute_txid).collect();
        for input in &tx.input {
            let op = &input.previous_output;
            if self.utxos.contains_key(op) {
                if mempool.iter().any(|m| m.input.iter().any(|i| i.previous_output == *op)) {
                    return Err(format!("txn-mempool-conflict ({op})"));
                }
            } else if !in_mempool.contains(&op.txid) {
                return Err(format!("bad-txns-inputs-missingorspent ({op})"));
            }
        }
        Ok(true)
    }
}

fn coinbase(height: u32) -> Transaction {
    Transaction {
        version: Version::TWO,
        lock_time: absolute::LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            // BIP 34: the height first, as Bitcoin Core writes it.
            script_sig: Builder::new().push_int(i64::from(height)).push_slice(b"lnwatch").into_script(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value: Amount::ZERO, script_pubkey: Builder::new().push_opcode(OP_RETURN).into_script() }],
    }
}

/// Coins from nowhere: one input spending an outpoint that never existed (unique per height),
/// one output per payment. Nobody validates it; wallets only look at the outputs.
fn faucet_tx(height: u32, pay: &[(ScriptBuf, Amount)]) -> Transaction {
    let seed = sha256d::Hash::hash(format!("lnwatch faucet {height}").as_bytes());
    Transaction {
        version: Version::TWO,
        lock_time: absolute::LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint { txid: Txid::from_raw_hash(seed), vout: 0 },
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: pay.iter().map(|(script, value)| TxOut { value: *value, script_pubkey: script.clone() }).collect(),
    }
}

fn build_block(prev: &Header, txdata: Vec<Transaction>) -> Block {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let time = u32::try_from(now).unwrap_or(u32::MAX).max(prev.time + 1);
    let mut block = Block {
        header: Header {
            version: BlockVersion::TWO,
            prev_blockhash: prev.block_hash(),
            merkle_root: TxMerkleNode::all_zeros(),
            time,
            bits: CompactTarget::from_consensus(0x207f_ffff),
            nonce: 0,
        },
        txdata,
    };
    block.header.merkle_root = block.compute_merkle_root().unwrap_or_else(TxMerkleNode::all_zeros);
    // Regtest's target is met by about every other hash: a real proof of work costs nothing.
    while !block.header.target().is_met_by(block.header.block_hash()) {
        block.header.nonce += 1;
    }
    block
}

/// Orders transactions so that each comes after the mempool transactions it spends.
fn parents_first(mut txs: Vec<Transaction>) -> Vec<Transaction> {
    txs.sort_by_key(Transaction::compute_txid);
    let mut out: Vec<Transaction> = Vec::with_capacity(txs.len());
    let mut placed: HashSet<Txid> = HashSet::new();
    while !txs.is_empty() {
        let pending: HashSet<Txid> = txs.iter().map(Transaction::compute_txid).collect();
        let (ready, rest): (Vec<_>, Vec<_>) = txs.into_iter().partition(|tx| {
            tx.input
                .iter()
                .all(|i| !pending.contains(&i.previous_output.txid) || placed.contains(&i.previous_output.txid))
        });
        if ready.is_empty() {
            // A cycle cannot happen with real transactions; keep the rest rather than loop.
            out.extend(rest);
            break;
        }
        placed.extend(ready.iter().map(Transaction::compute_txid));
        out.extend(ready);
        txs = rest;
    }
    out
}

/// Hash of a block in the byte order bitcoind prints it (what `getblockhash` returns).
pub fn block_hash_hex(block: &Block) -> String {
    let hash: BlockHash = block.block_hash();
    hash.to_string()
}

fn write_atomically(path: &Path, contents: &str) -> io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, contents)?;
    fs::rename(&tmp, path)
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::consensus::encode::deserialize;

    fn chain() -> (tempfile::TempDir, Chain) {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(dir.path()).unwrap();
        (dir, chain)
    }

    fn spend(prev: OutPoint, value: u64, script: &ScriptBuf) -> Transaction {
        Transaction {
            version: Version::TWO,
            lock_time: absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: prev,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: vec![TxOut { value: Amount::from_sat(value), script_pubkey: script.clone() }],
        }
    }

    #[test]
    fn block_zero_is_the_regtest_genesis_block() {
        let (_d, chain) = chain();
        assert_eq!(chain.height().unwrap(), 0);
        let genesis = chain.block(0).unwrap().unwrap();
        assert_eq!(block_hash_hex(&genesis), "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
        assert!(chain.block(1).unwrap().is_none());
    }

    #[test]
    fn mined_blocks_link_encode_and_decode() {
        let (_d, chain) = chain();
        assert_eq!(chain.mine(3, &[]).unwrap(), 3);
        let mut prev = chain.block(0).unwrap().unwrap();
        for h in 1..=3 {
            let block = chain.block(h).unwrap().unwrap();
            assert_eq!(block.header.prev_blockhash, prev.block_hash(), "block {h} links to its parent");
            assert!(block.check_merkle_root());
            assert!(block.header.target().is_met_by(block.block_hash()));
            // BIP 34, as Bitcoin Core encodes it (`CScript() << height`: OP_1..OP_16 when small).
            let height = Builder::new().push_int(i64::from(h)).into_script();
            assert!(block.txdata[0].input[0].script_sig.as_bytes().starts_with(height.as_bytes()));
            // The file is the consensus encoding: decoding and re-encoding gives the same bytes.
            let hex = fs::read_to_string(chain.block_path(h)).unwrap();
            let bytes = bitcoin::hex::FromHex::from_hex(&hex).map(|b: Vec<u8>| b).unwrap();
            let again: Block = deserialize(&bytes).unwrap();
            assert_eq!(serialize_hex(&again), hex);
            prev = block;
        }
    }

    #[test]
    fn addresses_give_their_scripts() {
        // bech32 P2WPKH (BIP 173 test vector, regtest prefix)
        let wpkh = address_script("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080").unwrap();
        assert_eq!(wpkh.to_hex_string(), "0014751e76e8199196d454941c45d1b3a323f1433bd6");
        assert!(wpkh.is_p2wpkh());
        // bech32m P2TR
        let tr = address_script("bcrt1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqc8gma6").unwrap();
        assert!(tr.is_p2tr());
        assert_eq!(tr.to_hex_string(), "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
        // A mainnet address is refused, as is garbage.
        assert!(address_script("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kmv8f3t4").is_err());
        assert!(address_script("not an address").is_err());
    }

    #[test]
    fn faucet_mempool_and_utxos() {
        let (_d, chain) = chain();
        let script = address_script("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080").unwrap();
        chain.mine(1, &[(script.clone(), Amount::from_sat(100_000)), (script.clone(), Amount::from_sat(7))]).unwrap();
        let block = chain.block(1).unwrap().unwrap();
        let faucet = &block.txdata[1];
        let funded = OutPoint { txid: faucet.compute_txid(), vout: 0 };

        let mut view = UtxoView::default();
        view.refresh(&chain).unwrap();
        assert_eq!(view.get(&funded).unwrap().value, Amount::from_sat(100_000));
        assert_eq!(view.get(&OutPoint { txid: faucet.compute_txid(), vout: 1 }).unwrap().value, Amount::from_sat(7));

        // A spend enters the mempool once; a child of it may follow; a double spend may not.
        let parent = spend(funded, 90_000, &script);
        assert_eq!(view.accept(&parent, &[]), Ok(true));
        chain.add_to_mempool(&parent).unwrap();
        let pool = chain.mempool().unwrap();
        assert_eq!(view.accept(&parent, &pool), Ok(false));
        let child = spend(OutPoint { txid: parent.compute_txid(), vout: 0 }, 80_000, &script);
        assert_eq!(view.accept(&child, &pool), Ok(true));
        chain.add_to_mempool(&child).unwrap();
        let double = spend(funded, 1, &script);
        assert!(view.accept(&double, &chain.mempool().unwrap()).unwrap_err().contains("conflict"));
        let unknown = spend(OutPoint { txid: Txid::all_zeros(), vout: 3 }, 1, &script);
        assert!(view.accept(&unknown, &[]).unwrap_err().contains("missingorspent"));

        // Mining takes both, parent first, and empties the mempool.
        assert_eq!(chain.mine(2, &[]).unwrap(), 3);
        assert!(chain.mempool().unwrap().is_empty());
        let mined = chain.block(2).unwrap().unwrap();
        let ids: Vec<Txid> = mined.txdata.iter().map(Transaction::compute_txid).collect();
        assert_eq!(&ids[1..], &[parent.compute_txid(), child.compute_txid()]);
        assert!(chain.block(3).unwrap().unwrap().txdata.len() == 1);
        view.refresh(&chain).unwrap();
        assert!(view.get(&funded).is_none(), "spent");
        assert!(view.get(&OutPoint { txid: parent.compute_txid(), vout: 0 }).is_none(), "spent by the child");
        assert_eq!(
            view.get(&OutPoint { txid: child.compute_txid(), vout: 0 }).unwrap().value,
            Amount::from_sat(80_000)
        );
        assert!(view.accept(&child, &[]).unwrap_err().contains("already"));
    }
}
