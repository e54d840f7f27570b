#pragma once

/// Everything public, in one include.

#include <agentroute/agent.hpp>
#include <agentroute/agent_tool.hpp>
#include <agentroute/api_key.hpp>
#include <agentroute/deps.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/history/policy.hpp>
#include <agentroute/history/sliding_window.hpp>
#include <agentroute/history/summarize.hpp>
#include <agentroute/history/tool_pairs.hpp>
#include <agentroute/handoff.hpp>
#include <agentroute/history/truncate.hpp>
#include <agentroute/json_schema.hpp>
#include <agentroute/memory/memory.hpp>
#include <agentroute/memory/memory_postgres.hpp>
#include <agentroute/memory/memory_sqlite.hpp>
#include <agentroute/messages.hpp>
#include <agentroute/model.hpp>
#include <agentroute/net/https_options.hpp>
#include <agentroute/net/openrouter_model.hpp>
#include <agentroute/net/retry_options.hpp>
#include <agentroute/resolve_model.hpp>
#include <agentroute/result.hpp>
#include <agentroute/run_context.hpp>
#include <agentroute/run_options.hpp>
#include <agentroute/stream.hpp>
#include <agentroute/stream_options.hpp>
#include <agentroute/testing/function_model.hpp>
#include <agentroute/testing/scripted_model.hpp>
#include <agentroute/tool.hpp>
#include <agentroute/usage.hpp>
