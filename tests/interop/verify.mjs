#!/usr/bin/env node
// Verifies a credential with Digital Bazaar's reference libraries (vc,
// data-integrity, eddsa-rdfc-2022, bitstring status list), as an independent
// check that PD Hub's credentials verify outside Python.
//
//   node verify.mjs [FILE | -] [--document URL=FILE ...] [--now ISO-DATE]
//
// Contexts come only from ../../badges/contexts (checked against the hashes in
// SOURCES.md); did:key is resolved locally; --document serves extra documents
// (e.g. a controller document) from files. The only network access allowed is
// fetching a status list credential from 127.0.0.1 or localhost. Prints one
// JSON object and exits 0 only when the credential verified and no status bit
// is set.
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as DidKey from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const here = path.dirname(fileURLToPath(import.meta.url));
const contextsDir = path.resolve(here, '..', '..', 'badges', 'contexts');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function bundledContexts() {
  // SOURCES.md rows: | `URL` | `file` | `package@version (...)` | `sha256` |
  const table = readFileSync(path.join(contextsDir, 'SOURCES.md'), 'utf8');
  const contexts = new Map();
  for(const line of table.split('\n')) {
    const cells = [...line.matchAll(/`([^`]+)`/g)].map(m => m[1]);
    if(cells.length !== 4 || !cells[0].startsWith('http')) {
      continue;
    }
    const [url, file, , sha256] = cells;
    const bytes = readFileSync(path.join(contextsDir, file));
    const digest = createHash('sha256').update(bytes).digest('hex');
    if(digest !== sha256) {
      throw new Error(`context ${file} does not match its pinned hash`);
    }
    contexts.set(url, JSON.parse(bytes.toString('utf8')));
  }
  if(contexts.size === 0) {
    throw new Error('no bundled contexts found');
  }
  return contexts;
}

function parseArgs(argv) {
  const options = {file: '-', documents: new Map(), now: undefined};
  for(let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if(arg === '--document') {
      const [url, file] = argv[++i].split(/=(.*)/s);
      options.documents.set(url, JSON.parse(readFileSync(file, 'utf8')));
    } else if(arg === '--now') {
      options.now = argv[++i];
    } else {
      options.file = arg;
    }
  }
  return options;
}

function makeDocumentLoader({contexts, documents}) {
  const didKey = DidKey.driver();
  didKey.use({
    multibaseMultikeyHeader: 'z6Mk',
    fromMultibase: Ed25519Multikey.from
  });
  return async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(url.startsWith('did:key:')) {
      const document = await didKey.get({url});
      return {contextUrl: null, documentUrl: url, document};
    }
    const [base, fragment] = url.split('#');
    if(documents.has(base)) {
      const document = documents.get(base);
      if(!fragment) {
        return {contextUrl: null, documentUrl: url, document};
      }
      const method = (document.verificationMethod || []).find(
        m => m.id === url);
      if(method) {
        return {
          contextUrl: null,
          documentUrl: url,
          document: {'@context': document['@context'], ...method}
        };
      }
    }
    const parsed = new URL(url);
    if(parsed.protocol === 'http:' && LOCAL_HOSTS.has(parsed.host.replace(
      /:\d+$/, ''))) {
      const response = await fetch(url);
      if(!response.ok) {
        throw new Error(`GET ${url} answered ${response.status}`);
      }
      return {contextUrl: null, documentUrl: url, document: await response.json()};
    }
    throw new Error(`refusing to load ${url}: not bundled and not local`);
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const text = readFileSync(options.file === '-' ? 0 : options.file, 'utf8');
  const credential = JSON.parse(text);
  const documentLoader = makeDocumentLoader({
    contexts: bundledContexts(),
    documents: options.documents
  });
  const suite = [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new Ed25519Signature2020()
  ];
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    now: options.now,
    checkStatus: async args => checkStatus({...args, suite, documentLoader})
  });
  const statuses = (result.statusResult?.results || []).map(r => ({
    statusPurpose: r.credentialStatus?.statusPurpose,
    set: r.status === true
  }));
  const flagged = statuses.filter(s => s.set).map(s => s.statusPurpose);
  const output = {
    verified: result.verified === true && flagged.length === 0,
    proofVerified: (result.results || []).some(r => r.verified === true),
    statuses,
    revoked: flagged.includes('revocation'),
    suspended: flagged.includes('suspension'),
    errors: _errors(result)
  };
  process.stdout.write(JSON.stringify(output) + '\n');
  process.exitCode = output.verified ? 0 : 1;
}

function _errors(result) {
  const errors = [];
  const collect = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error)) {
      error.forEach(collect);
      return;
    }
    errors.push(String(error.message || error));
    if(error.errors) {
      collect(error.errors);
    }
    if(error.cause) {
      collect(error.cause);
    }
  };
  collect(result.error);
  for(const r of result.results || []) {
    collect(r.error);
  }
  collect(result.statusResult?.error);
  return [...new Set(errors)];
}

main().catch(error => {
  process.stdout.write(JSON.stringify({
    verified: false,
    errors: [String(error && error.stack || error)]
  }) + '\n');
  process.exitCode = 2;
});
