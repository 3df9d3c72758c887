#!/usr/bin/env node
// Signs a credential with Digital Bazaar's libraries, so the Python verifier
// can be tested on credentials from another conforming issuer.
//
//   node sign.mjs SUITE SEED_HEX [CREATED] < unsigned.json > signed.json
//
// SUITE is "eddsa-rdfc-2022" (DataIntegrityProof) or "Ed25519Signature2020".
// The key is the Ed25519 key with that 32-byte seed, as a did:key; the
// credential's issuer must already be that did:key. Contexts come only from
// ../../badges/contexts. CREATED (an ISO date-time) fixes the proof's created.
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from
  '@digitalbazaar/ed25519-verification-key-2020';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const here = path.dirname(fileURLToPath(import.meta.url));
const contextsDir = path.resolve(here, '..', '..', 'badges', 'contexts');

function contexts() {
  const table = readFileSync(path.join(contextsDir, 'SOURCES.md'), 'utf8');
  const map = new Map();
  for(const line of table.split('\n')) {
    const cells = [...line.matchAll(/`([^`]+)`/g)].map(m => m[1]);
    if(cells.length === 4 && cells[0].startsWith('http')) {
      map.set(cells[0], JSON.parse(
        readFileSync(path.join(contextsDir, cells[1]), 'utf8')));
    }
  }
  return map;
}

async function main() {
  const [suiteName, seedHex, created] = process.argv.slice(2);
  const date = created ? new Date(created) : undefined;
  const seed = Buffer.from(seedHex, 'hex');
  // Multikey secretKeyMultibase: 0x8026, the seed, then the public key.
  const probe = await Ed25519Multikey.generate({seed});
  const exported = await probe.export({
    publicKey: true, secretKey: true, includeContext: true});
  const did = `did:key:${exported.publicKeyMultibase}`;
  const id = `${did}#${exported.publicKeyMultibase}`;
  const credential = JSON.parse(readFileSync(0, 'utf8'));
  const known = contexts();
  const documentLoader = async url => {
    if(known.has(url)) {
      return {contextUrl: null, documentUrl: url, document: known.get(url)};
    }
    throw new Error(`refusing to load ${url}`);
  };
  let suite;
  if(suiteName === 'eddsa-rdfc-2022') {
    const signer = (await Ed25519Multikey.from({
      ...exported, id, controller: did})).signer();
    suite = new DataIntegrityProof({signer, date, cryptosuite: eddsaRdfc2022});
  } else if(suiteName === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.from({
      type: 'Ed25519VerificationKey2020',
      id,
      controller: did,
      publicKeyMultibase: exported.publicKeyMultibase,
      privateKeyMultibase: exported.secretKeyMultibase
    });
    suite = new Ed25519Signature2020({key, date});
  } else {
    throw new Error(`unknown suite ${suiteName}`);
  }
  const signed = await vc.issue({credential, suite, documentLoader});
  process.stdout.write(JSON.stringify(signed) + '\n');
}

main().catch(error => {
  process.stderr.write(String(error && error.stack || error) + '\n');
  process.exitCode = 1;
});
