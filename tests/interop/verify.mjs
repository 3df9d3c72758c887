#!/usr/bin/env node
// Verifies a credential with Digital Bazaar's reference libraries (vc,
// data-integrity, eddsa-rdfc-2022, bitstring status list), as an independent
// check that PD Hub's credentials verify outside Python.
//
//   node verify.mjs [FILE | -] [--document URL=FILE ...] [--now ISO-DATE]
//
// The input is a credential in JSON or a VC-JWT (OB 3.0 §8.2). A VC-JWT's
// EdDSA signature is checked with Digital Bazaar's Ed25519 Multikey verifier
// (the key named by kid, resolved by the did:key driver or --document), its
// registered claims against its credential as OB 3.0 §8.2.6 says (written
// here from the spec, not from PD Hub's Python), and its status with Digital
// Bazaar's bitstring status list checker.
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

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const REGISTERED = ['iss', 'sub', 'jti', 'nbf', 'exp', 'iat'];

function base64url(part) {
  if(!/^[A-Za-z0-9_-]*$/.test(part)) {
    throw new Error('a JWT part is not base64url');
  }
  return Buffer.from(part, 'base64url');
}

function numericDate(iso) {
  const ms = Date.parse(iso);
  if(Number.isNaN(ms)) {
    throw new Error(`not a date: ${iso}`);
  }
  return ms / 1000;
}

// OB 3.0 §8.2.6 ("Verify a Credential", VC-JWT): the JWT's registered claims
// must agree with the credential it carries.
function checkJwtClaims(claims, credential, now) {
  const problems = [];
  const issuer = typeof credential.issuer === 'string' ?
    credential.issuer : credential.issuer?.id;
  if(claims.iss === undefined || claims.iss !== issuer) {
    problems.push(`iss (${claims.iss}) is not issuer.id (${issuer})`);
  }
  if(claims.nbf === undefined ||
    claims.nbf !== numericDate(credential.validFrom)) {
    problems.push(`nbf (${claims.nbf}) is not validFrom (${credential.validFrom})`);
  }
  if(credential.id !== undefined || claims.jti !== undefined) {
    if(claims.jti !== credential.id) {
      problems.push(`jti (${claims.jti}) is not id (${credential.id})`);
    }
  }
  const subjectId = credential.credentialSubject?.id;
  if(claims.sub !== undefined && claims.sub !== subjectId) {
    problems.push(`sub (${claims.sub}) is not credentialSubject.id ` +
      `(${subjectId})`);
  }
  if(credential.validUntil !== undefined &&
    claims.exp !== numericDate(credential.validUntil)) {
    problems.push(`exp (${claims.exp}) is not validUntil ` +
      `(${credential.validUntil})`);
  }
  const moment = now ? numericDate(now) : Date.now() / 1000;
  if(claims.nbf !== undefined && moment < claims.nbf) {
    problems.push('the JWT is not valid yet (nbf)');
  }
  if(claims.exp !== undefined && moment > claims.exp) {
    problems.push('the JWT has expired (exp)');
  }
  return problems;
}

async function verifyJwt({token, documentLoader, suite, now}) {
  const [headerPart, payloadPart, signaturePart] = token.split('.');
  const header = JSON.parse(base64url(headerPart).toString('utf8'));
  const claims = JSON.parse(base64url(payloadPart).toString('utf8'));
  const errors = [];
  if(header.alg !== 'EdDSA') {
    throw new Error(`unsupported JWT alg ${header.alg}`);
  }
  if(typeof header.kid !== 'string') {
    throw new Error('the JWT header has no kid');
  }
  const {document: method} = await documentLoader(header.kid);
  const key = await Ed25519Multikey.from(method);
  const proofVerified = await key.verifier().verify({
    data: Buffer.from(`${headerPart}.${payloadPart}`, 'ascii'),
    signature: base64url(signaturePart)
  });
  if(!proofVerified) {
    errors.push('the JWT signature does not verify');
  }
  const controller = method.controller || header.kid.split('#')[0];
  const credential = claims.vc && claims['@context'] === undefined ?
    claims.vc : Object.fromEntries(Object.entries(claims).filter(
      ([name]) => !REGISTERED.includes(name)));
  const issuer = typeof credential.issuer === 'string' ?
    credential.issuer : credential.issuer?.id;
  if(controller !== issuer) {
    errors.push(`the JWT key's controller ${controller} is not the issuer`);
  }
  errors.push(...checkJwtClaims(claims, credential, now));
  const statusResult = credential.credentialStatus ?
    await checkStatus({credential, suite, documentLoader}) :
    {verified: true, results: []};
  if(!statusResult.verified) {
    errors.push(String(statusResult.error?.message || statusResult.error));
  }
  return {
    verified: errors.length === 0,
    results: [{verified: proofVerified}],
    statusResult,
    error: errors.length ? errors.map(message => ({message})) : undefined
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const text = readFileSync(options.file === '-' ? 0 : options.file, 'utf8');
  const documentLoader = makeDocumentLoader({
    contexts: bundledContexts(),
    documents: options.documents
  });
  const suite = [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new Ed25519Signature2020()
  ];
  if(JWT_SHAPE.test(text.trim())) {
    report(await verifyJwt({
      token: text.trim(), documentLoader, suite, now: options.now
    }));
    return;
  }
  const credential = JSON.parse(text);
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    now: options.now,
    checkStatus: async args => checkStatus({...args, suite, documentLoader})
  });
  report(result);
}

function report(result) {
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
