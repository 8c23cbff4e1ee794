// Prints the layer-map exceptions that remain in eslint.config.js (issue 13 removes them one by one).
import { EXCEPTIONS } from '../eslint.config.js';

for (const { file, imports, why } of EXCEPTIONS) console.log(`${file} -> ${imports}: ${why}`);
console.log(`${EXCEPTIONS.length} layer exception(s) remain`);
