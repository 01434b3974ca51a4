// Prints the Khronos glTF Validator's report for a GLB file as JSON (used by the tests).
import { readFileSync } from "node:fs";
import validator from "gltf-validator";

const data = new Uint8Array(readFileSync(process.argv[2]));
const report = await validator.validateBytes(data);
console.log(JSON.stringify(report));
