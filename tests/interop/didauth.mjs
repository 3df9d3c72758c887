#!/usr/bin/env node
// Plays a wallet's part in a VC-API exchange with Digital Bazaar's libraries:
// signs a DIDAuth presentation (proofPurpose authentication, with the
// exchange's challenge and domain) as the Learner Credential Wallet does.
//
//   node didauth.mjs SUITE SEED_HEX CHALLENGE DOMAIN < presentation.json
//
// SUITE is "eddsa-rdfc-2022" (DataIntegrityProof) or "Ed25519Signature2020"
// (what the Learner Credential Wallet signs with). The key is the Ed25519 key
// with that 32-byte seed, as a did:key; the presentation's holder must already
// be that did:key. Contexts come only from ../../badges/contexts.
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
  const [suiteName, seedHex, challenge, domain] = process.argv.slice(2);
  const seed = Buffer.from(seedHex, 'hex');
  const probe = await Ed25519Multikey.generate({seed});
  const exported = await probe.export({
    publicKey: true, secretKey: true, includeContext: true});
  const did = `did:key:${exported.publicKeyMultibase}`;
  const id = `${did}#${exported.publicKeyMultibase}`;
  const presentation = JSON.parse(readFileSync(0, 'utf8'));
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
    suite = new DataIntegrityProof({signer, cryptosuite: eddsaRdfc2022});
  } else if(suiteName === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.from({
      type: 'Ed25519VerificationKey2020',
      id,
      controller: did,
      publicKeyMultibase: exported.publicKeyMultibase,
      privateKeyMultibase: exported.secretKeyMultibase
    });
    suite = new Ed25519Signature2020({key});
  } else {
    throw new Error(`unknown suite ${suiteName}`);
  }
  const signed = await vc.signPresentation({
    presentation, suite, challenge, domain, documentLoader});
  process.stdout.write(JSON.stringify({did, presentation: signed}) + '\n');
}

main().catch(error => {
  process.stderr.write(String(error && error.stack || error) + '\n');
  process.exitCode = 1;
});
