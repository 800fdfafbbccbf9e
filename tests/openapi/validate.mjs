// Validates an OpenAPI document against the OpenAPI 3.1 schema
// (@seriousme/openapi-schema-validator) and resolves every $ref.
// Prints "ok" or the errors; exit status 0 only when valid.
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2];
const validator = new Validator();
const res = await validator.validate(file);
if (!res.valid) {
  console.log(JSON.stringify(res.errors, null, 2));
  process.exit(1);
}
if (!validator.version.startsWith("3.1")) {
  console.log(`expected OpenAPI 3.1, got ${validator.version}`);
  process.exit(1);
}
try {
  validator.resolveRefs();
} catch (e) {
  console.log(`unresolvable $ref: ${e.message}`);
  process.exit(1);
}
console.log("ok");
