"""The one place adapters are chosen and wired, one module per deployment: `wiring` (the
command list, `Adapters` with no defaults, `build`), `sample` (the bundled sample's sources),
`memory` (tests), `local` (SQLite and a folder), `aws` (Lambda) and `gcp` (Cloud Functions over
the AWS deployment's state). An entry point imports only the deployment it runs."""
