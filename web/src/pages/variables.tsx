/** Variables: repository variables for the `vars` context. Plain text, so values are shown and editable. */
import type { VarInfo } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { NamedValues } from "../components/named-values.js";

export function VariablesPage() {
  return (
    <NamedValues<VarInfo>
      title="Variables"
      intro={
        <>
          The <code>vars</code> context of every run. Not secret: values are stored and shown as plain text. A run's{" "}
          <code>--var</code> goes over them.
        </>
      }
      noun="variable"
      hidden={false}
      load={() => api.vars()}
      put={(n, v) => api.putVar(n, v)}
      remove={(n) => api.deleteVar(n)}
      details={(v) => <code class="var-value">{v.value}</code>}
      editValue={(v) => v.value}
    />
  );
}
