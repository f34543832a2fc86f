# The variables whose values are secrets (VARIABLES in src/config/variables.ts with `secret: true`;
# test/nix/ checks the two lists agree). The NixOS module refuses them in `settings`, which would copy
# them into the world-readable Nix store; they belong in `environmentFile`.
[
  "INFRAHUB_API_TOKEN"
  "INFRAHUB_PASSWORD"
  "INFRAHUB_MCP_OIDC_CLIENT_SECRET"
  "INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY"
  "INFRAHUB_MCP_METRICS_TOKEN"
  "INFRAHUB_MCP_STATE_STORE"
  "INFRAHUB_MCP_STATE_KEY"
]
