#!/usr/bin/env node
'use strict';
// In a source checkout (src/ present and tsx installed) run the TypeScript sources, so the CLI
// never lags behind an edit; in an installed package (only dist/ is published) run the build.
const path = require('node:path');
const fs = require('node:fs');

const source = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
const compiled = path.join(__dirname, '..', 'dist', 'cli', 'main.js');

function hasTsx() {
  try {
    require.resolve('tsx/cjs');
    return true;
  } catch {
    return false;
  }
}

if (fs.existsSync(source) && hasTsx()) {
  require('tsx/cjs');
  require(source);
} else {
  require(compiled);
}
