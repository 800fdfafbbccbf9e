// The test host's bridge: @modelcontextprotocol/ext-apps' AppBridge, bundled for
// the page by esbuild at test time (run.sh).
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";
window.MiqHostBridge = { AppBridge, PostMessageTransport };
