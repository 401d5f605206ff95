// Validates Kubernetes manifests against the API's JSON schemas, offline, with the schemas bundled in the
// npm package kubernetes-models (scripts/validate-deploy.sh installs it). Checks types, required fields and
// enums of every object; it does NOT flag unknown fields (the package's schemas allow them).
//   node scripts/lib/validate-k8s.mjs docker/k8s/*.yaml
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// apiVersion "apps/v1" -> module "kubernetes-models/apps/v1/Deployment"; core "v1" -> "kubernetes-models/v1/Service".
async function modelFor(apiVersion, kind) {
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch (e) {
    return null;
  }
}

let failures = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      console.log(`FAIL ${file}: YAML: ${doc.errors[0].message}`);
      failures++;
      continue;
    }
    const object = doc.toJS();
    if (object == null) continue;
    const { apiVersion, kind } = object;
    const name = `${file}: ${kind ?? "?"} ${object.metadata?.name ?? "?"}`;
    if (apiVersion === "kustomize.config.k8s.io/v1beta1") {
      // Not an API object; kubectl kustomize checks it.
      continue;
    }
    const Model = apiVersion && kind ? await modelFor(apiVersion, kind) : null;
    if (Model == null) {
      console.log(`FAIL ${name}: unknown apiVersion/kind ${apiVersion}/${kind}`);
      failures++;
      continue;
    }
    try {
      new Model(object).validate();
      checked++;
      console.log(`ok   ${name} (${apiVersion})`);
    } catch (e) {
      console.log(`FAIL ${name}: ${e.message}`);
      failures++;
    }
  }
}
console.log(`${checked} objects valid, ${failures} invalid`);
process.exit(failures === 0 && checked > 0 ? 0 : 1);
