// Properties without a seed of their own run from this one, so every run (and CI) is reproducible;
// set KILN_FC_SEED to explore other seeds. fast-check prints the seed and path of any failure.
import fc from 'fast-check'

fc.configureGlobal({ seed: Number(process.env['KILN_FC_SEED'] ?? 20261126) })
