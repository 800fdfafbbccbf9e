/* The MCP conformance fixture set: the test tools, resources, resource
 * template and prompts that the official @modelcontextprotocol/conformance
 * suites (0.1.16; 0.2.0-alpha.12 with --requirements 2025-11-25 and
 * 2026-07-28) call, with the payloads they expect. Registered only when
 * MomentIQConformanceFixtures is On. Every fixture is public (no scopes).
 *
 * Client input goes through miq_tool_ask, so one handler serves both eras:
 * 2025 blocks on a server-to-client request over SSE, 2026 answers with an
 * input_required result (all questions of a round at once). */
#ifndef MIQ_FIXTURES_H
#define MIQ_FIXTURES_H

#include "miq_registry.h"

/* 1x1 red PNG and a minimal WAV, exactly as the reference everything-server. */
#define MIQ_FIXTURE_IMAGE_BASE64                                                                   \
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJg" \
    "gg=="
#define MIQ_FIXTURE_AUDIO_BASE64 "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="

/* Registers the fixtures (tools first test_simple_text, resources first
 * test://static-text). Returns NULL or the registry's error. */
const char *miq_fixtures_register(miq_registry *reg);

#endif
