// Validates a Teams app manifest with Microsoft's own @microsoft/app-manifest against the JSON schema it bundles
// for the manifest's version (no network: the schema is not fetched from its $schema URL).
// Input (stdin): the manifest JSON. Output (stdout): a JSON array of the schema errors, empty when it is valid.
const path = require("path");
const fs = require("fs");
const { AppManifestUtils } = require("@microsoft/app-manifest/build/generated-types/index.js");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const manifest = JSON.parse(input);
  const version = "v" + manifest.manifestVersion;
  const where = path.join(
    path.dirname(require.resolve("@microsoft/app-manifest/package.json")),
    "build", "json-schemas", "teams", version, "MicrosoftTeams.schema.json"
  );
  // The same clean-up the package applies to a fetched schema (an invalid regex escape in some versions).
  const schema = JSON.parse(fs.readFileSync(where, "utf8").replace(/\\a/g, "\\x07"));
  const errors = await AppManifestUtils.validateAgainstSchema(manifest, schema);
  process.stdout.write(JSON.stringify(errors));
});
