// A minimal MCP Apps host page: renders the ui:// resource in a sandboxed
// iframe under the CSP its _meta.ui.csp declares, and connects it through
// AppBridge; tool calls and resource reads of the view go to the real server
// through window.mcpRequest (exposed by run.mjs, which holds the MCP client).
"use strict";
window.startHost = async function (html, csp, toolArgs, toolResult) {
  const { AppBridge, PostMessageTransport } = window.MiqHostBridge;
  const list = (a) => (Array.isArray(a) ? a.join(" ") : "");
  const policy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
    "img-src " + list(csp.resourceDomains) + " data:; media-src " + list(csp.resourceDomains) +
    " data:; connect-src " + (list(csp.connectDomains) || "'none'") + "; frame-src 'none'; object-src 'none'";
  const iframe = document.createElement("iframe");
  iframe.id = "view";
  iframe.setAttribute("sandbox", "allow-scripts");
  iframe.setAttribute("title", "MomentIQ timeline");
  document.getElementById("slot").appendChild(iframe);
  window.appToolCalls = 0;
  const bridge = new AppBridge(null, { name: "momentiq-test-host", version: "1" },
                               { serverTools: {}, serverResources: {}, logging: {} });
  bridge.oncalltool = async (params) => {
    if (params.name === "momentiq.app_job_timeline") window.appToolCalls++;
    return window.mcpRequest("tools/call", params);
  };
  bridge.onreadresource = async (params) => window.mcpRequest("resources/read", params);
  bridge.onsizechange = ({ height }) => { if (height) iframe.style.height = Math.min(height, 600) + "px"; };
  window.viewInitialized = false;
  bridge.oninitialized = async () => {
    window.viewInitialized = true;
    await bridge.sendToolInput({ arguments: toolArgs });
    await bridge.sendToolResult(toolResult);
  };
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  iframe.srcdoc = html.replace("<head>", "<head><meta http-equiv=\"Content-Security-Policy\" content=\"" + policy + "\">");
};
