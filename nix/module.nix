# services.infrahub-mcp: the MCP server on streamable HTTP as a hardened systemd service.
#
# Settings are the server's own environment variables (README.md, "Configuration"); secrets go in
# `environmentFile`, which systemd reads at start, so they never enter the Nix store.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  cfg = config.services.infrahub-mcp;
  inherit (lib)
    mkEnableOption
    mkIf
    mkOption
    types
    ;

  secretVariables = import ./secret-variables.nix;
  settingNames = builtins.attrNames cfg.settings;
  secretSettings = builtins.filter (name: builtins.elem name secretVariables) settingNames;
  foreignSettings = builtins.filter (
    name: builtins.match "(INFRAHUB|OTEL)_[A-Z0-9_]+" name == null
  ) settingNames;

  renderSetting = value: if builtins.isBool value then lib.boolToString value else toString value;

  environment =
    lib.mapAttrs (_: renderSetting) cfg.settings
    // lib.optionalAttrs (cfg.stateStore != null) { INFRAHUB_MCP_STATE_STORE = cfg.stateStore; };

  command = lib.escapeShellArgs (
    [
      (lib.getExe cfg.package)
      "serve"
      "--transport"
      cfg.transport
      "--host"
      cfg.host
      "--port"
      (toString cfg.port)
    ]
    ++ lib.optional cfg.stateless "--stateless"
  );

  # The state key in a file of its own: systemd hands it to the service as a credential (readable by
  # the throwaway user only, while the service runs), and this start script exports it.
  start = pkgs.writeShellScript "infrahub-mcp-start" ''
    INFRAHUB_MCP_STATE_KEY="$(< "$CREDENTIALS_DIRECTORY/state-key")"
    export INFRAHUB_MCP_STATE_KEY
    exec ${command}
  '';

  loopbackHost = builtins.elem cfg.host [
    "127.0.0.1"
    "::1"
    "localhost"
  ];
in
{
  options.services.infrahub-mcp = {
    enable = mkEnableOption "infrahub-mcp, the Model Context Protocol server for Infrahub";

    package = mkOption {
      type = types.package;
      default = pkgs.infrahub-mcp;
      defaultText = lib.literalExpression "pkgs.infrahub-mcp";
      description = ''
        The infrahub-mcp package. The flake's `nixosModules.default` sets it to the flake's own build;
        with this file alone, apply the flake's `overlays.default` or set it.
      '';
    };

    transport = mkOption {
      type = types.enum [ "streamable-http" ];
      default = "streamable-http";
      description = ''
        How MCP clients connect. A service can only listen on streamable HTTP: a stdio server is started
        by its MCP client, not by systemd.
      '';
    };

    host = mkOption {
      type = types.str;
      default = "127.0.0.1";
      example = "0.0.0.0";
      description = "Address to listen on (`--host`). Keep the loopback address behind a reverse proxy.";
    };

    port = mkOption {
      type = types.port;
      default = 8001;
      description = "TCP port to listen on (`--port`).";
    };

    stateless = mkOption {
      type = types.bool;
      default = false;
      description = "Serve streamable HTTP without MCP sessions: one server per request (`--stateless`).";
    };

    environmentFile = mkOption {
      type = types.nullOr types.path;
      default = null;
      example = "/run/secrets/infrahub-mcp.env";
      description = ''
        A file of `NAME=value` lines that systemd reads when the service starts, for secrets such as
        `INFRAHUB_API_TOKEN` or `INFRAHUB_MCP_OIDC_CLIENT_SECRET`. Give it as a string path outside the
        Nix store (a secrets manager's output), so the secret is never copied there.
      '';
    };

    settings = mkOption {
      type = types.attrsOf (
        types.oneOf [
          types.str
          types.int
          types.bool
        ]
      );
      default = { };
      example = lib.literalExpression ''
        {
          INFRAHUB_ADDRESS = "https://infrahub.example.org";
          INFRAHUB_MCP_READ_ONLY = true;
          INFRAHUB_MCP_LOG_LEVEL = "info";
        }
      '';
      description = ''
        `INFRAHUB_*`, `INFRAHUB_MCP_*` and `OTEL_*` environment variables of the server, as README.md's
        configuration reference lists them. Booleans become `true`/`false`. Secrets are refused here (this
        ends up in the world-readable Nix store): put them in `environmentFile`.
      '';
    };

    stateStore = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "redis://valkey.internal:6379/0";
      description = ''
        Where the server keeps its state (MCP sessions, session branches, sign-ins, rate-limit buckets),
        as `INFRAHUB_MCP_STATE_STORE`: a `redis://` or `rediss://` (TLS) URL of a Valkey or Redis server
        lets several replicas behind one load balancer serve the same clients and keeps everything across
        restarts; null keeps it in this process's memory. Every replica needs the same store, the same
        `INFRAHUB_MCP_STATE_KEY` (`stateKeyFile` or `environmentFile`) and, in OIDC mode, the same
        `INFRAHUB_MCP_OIDC_JWT_SIGNING_KEY` (`environmentFile`). A URL with a password belongs in
        `environmentFile` instead (README.md, "Running several replicas").
      '';
    };

    stateKeyFile = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/run/secrets/infrahub-mcp-state-key";
      description = ''
        A file holding `INFRAHUB_MCP_STATE_KEY` alone (at least 32 characters, e.g. from
        `openssl rand -base64 48`; a trailing newline is ignored), required with `stateStore`: it
        encrypts every value in the store and keys the fingerprints of credentials, so all replicas must
        share it. systemd passes it to the service as a credential (`LoadCredential`), so the file may stay
        readable by root only. Give it as a string path outside the Nix store. Alternatively put
        `INFRAHUB_MCP_STATE_KEY=…` in `environmentFile`.
      '';
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Open `port` in the firewall.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = secretSettings == [ ];
        message = "services.infrahub-mcp.settings sets ${lib.concatStringsSep ", " secretSettings}, which would be copied into the world-readable Nix store: put it in services.infrahub-mcp.environmentFile instead.";
      }
      {
        assertion = foreignSettings == [ ];
        message = "services.infrahub-mcp.settings sets ${lib.concatStringsSep ", " foreignSettings}, which the server does not read: settings are INFRAHUB_*, INFRAHUB_MCP_* and OTEL_* variables (README.md, Configuration).";
      }
      {
        assertion = cfg.stateStore == null || cfg.stateKeyFile != null || cfg.environmentFile != null;
        message = "services.infrahub-mcp.stateStore is set but the server would have no INFRAHUB_MCP_STATE_KEY and would not start: set services.infrahub-mcp.stateKeyFile to a file holding the key (the same on every replica), or put INFRAHUB_MCP_STATE_KEY in services.infrahub-mcp.environmentFile.";
      }
      {
        assertion = cfg.stateKeyFile == null || !(lib.hasPrefix builtins.storeDir cfg.stateKeyFile);
        message = "services.infrahub-mcp.stateKeyFile is in the Nix store, which is world-readable: keep the key in a file outside it (a secrets manager's output such as /run/secrets/infrahub-mcp-state-key).";
      }
      {
        assertion = cfg.stateStore == null || builtins.match "[a-z+]+://[^/]*@.*" cfg.stateStore == null;
        message = "services.infrahub-mcp.stateStore contains credentials, which would be copied into the world-readable Nix store: set INFRAHUB_MCP_STATE_STORE in services.infrahub-mcp.environmentFile instead.";
      }
    ];

    warnings = lib.optional (cfg.openFirewall && loopbackHost) "services.infrahub-mcp.openFirewall opens port ${toString cfg.port}, but the server listens on ${cfg.host} only: set services.infrahub-mcp.host (for example to \"0.0.0.0\") or leave the firewall closed.";

    networking.firewall.allowedTCPPorts = lib.optional cfg.openFirewall cfg.port;

    systemd.services.infrahub-mcp = {
      description = "infrahub-mcp, Model Context Protocol server for Infrahub";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      inherit environment;

      serviceConfig = {
        ExecStart = if cfg.stateKeyFile == null then command else "${start}";
        LoadCredential = lib.optional (cfg.stateKeyFile != null) "state-key:${cfg.stateKeyFile}";
        EnvironmentFile = lib.optional (cfg.environmentFile != null) cfg.environmentFile;
        Restart = "on-failure";
        RestartSec = 5;

        # No state on disk: a throwaway user, and the whole file system read-only to it.
        DynamicUser = true;
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        UMask = "0077";

        # No capabilities at all, but the one a port below 1024 needs.
        CapabilityBoundingSet = if cfg.port < 1024 then "CAP_NET_BIND_SERVICE" else "";
        AmbientCapabilities = if cfg.port < 1024 then "CAP_NET_BIND_SERVICE" else "";
        RestrictAddressFamilies = [
          "AF_INET"
          "AF_INET6"
          "AF_UNIX"
        ];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        ProtectClock = true;
        ProtectControlGroups = true;
        ProtectHostname = true;
        ProtectKernelLogs = true;
        ProtectKernelModules = true;
        ProtectKernelTunables = true;
        ProtectProc = "invisible";
        ProcSubset = "pid";
        SystemCallArchitectures = "native";
        SystemCallFilter = [
          "@system-service"
          "~@privileged"
        ];
        # MemoryDenyWriteExecute stays off: V8's JIT writes the machine code it runs.
      };
    };
  };
}
