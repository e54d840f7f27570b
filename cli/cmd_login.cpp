#include "args.hpp"

#include <agentroute/api_key.hpp>
#include <agentroute/errors.hpp>
#include <agentroute/net/openrouter_model.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdlib>
#include <iostream>
#include <termios.h>
#include <unistd.h>

namespace agentroute::cli {
namespace {

constexpr const char* help = R"(usage: agentroute login [--stdin] [--no-check] [--base-url URL] [--ca-file PEM]

Reads an OpenRouter key (without echo on a terminal, or from standard input with --stdin or
when input is not a terminal), checks it with GET /key when the server is reachable, and writes
it to ~/.agentroute/config (or $AGENTROUTE_CONFIG) with mode 0600.
)";

std::string read_key(bool from_stdin) {
    std::string key;
    if (!from_stdin && ::isatty(STDIN_FILENO)) {
        std::cerr << "OpenRouter API key: " << std::flush;
        termios old{};
        ::tcgetattr(STDIN_FILENO, &old);
        termios silent = old;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
        std::getline(std::cin, key);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
        std::cerr << "\n";
    } else {
        std::getline(std::cin, key);
    }
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.front()))) key.erase(0, 1);
    return key;
}

}  // namespace

int cmd_login(const Args& args) {
    if (args.flag("help")) {
        std::cout << help;
        return ok;
    }
    const std::string key = read_key(args.flag("stdin"));
    if (key.empty()) throw UsageError("no key given");
    if (!args.flag("no-check")) {
        OpenRouterOptions o;
        o.api_key = key;
        if (auto url = args.value("base-url")) o.base_url = *url;
        else if (const char* env = std::getenv("AGENTROUTE_BASE_URL"); env && *env) o.base_url = env;
        if (auto ca = args.value("ca-file")) o.https.ca_file = *ca;
        else if (const char* env = std::getenv("AGENTROUTE_CA_FILE"); env && *env) o.https.ca_file = env;
        o.https.connect_timeout = std::chrono::seconds(5);
        OpenRouterModel model(o);
        boost::asio::io_context io;
        auto info = boost::asio::co_spawn(io, model.key_info(), boost::asio::use_future);
        io.run();
        try {
            KeyInfo k = info.get();
            std::cerr << "key accepted" << (k.label.empty() ? "" : " (" + k.label + ")") << "\n";
        } catch (const ErrorAuth&) {
            throw;  // a wrong key is never saved
        } catch (const ErrorAgent& e) {
            std::cerr << "could not check the key (" << e.what() << "); saving it anyway\n";
        }
    }
    save_api_key(key);
    std::cerr << "saved to " << config_path() << "\n";
    return ok;
}

}  // namespace agentroute::cli
