#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace agentroute {

/// A prompt-caching breakpoint (Anthropic and Gemini through OpenRouter): everything up to and
/// including the part or message that carries it is cached. On the wire
/// `{"type":"ephemeral","ttl":"1h"}`; `ttl` empty leaves the provider's default (5 minutes).
/// Cache reads and writes come back in `Usage::cached_input_tokens` and
/// `Usage::cache_write_tokens`.
struct CacheControl {
    std::string type = "ephemeral";
    std::string ttl{};

    friend bool operator==(const CacheControl&, const CacheControl&) = default;
};

/// One part of a message's content: text, an image, a file (a PDF), audio, video, or a part
/// given as JSON for a type this library does not name. Build them with the `content::`
/// helpers; a message with parts sends them as its `content` array.
struct ContentPart {
    enum class Kind : std::uint8_t {
        text,   ///< `text`
        image,  ///< `url` (an http(s) URL or a data URL), `detail` ("auto", "low", "high")
        file,   ///< `url` (OpenRouter's `file_data`: a URL or a data URL), `filename`
        audio,  ///< `data` (base64), `format` ("wav", "mp3", ...)
        video,  ///< `url` (a URL or a data URL)
        raw,    ///< `text`: the whole part as a JSON object text, sent as it is
    };
    Kind kind = Kind::text;
    std::string text{};
    std::string url{};
    std::string detail{};
    std::string filename{};
    std::string data{};
    std::string format{};
    /// A caching breakpoint on this part (`cache_control`).
    std::optional<CacheControl> cache_control{};

    /// This part with a caching breakpoint: `content::text(manual).cached()`.
    ContentPart cached(CacheControl control = {}) &&;
    ContentPart cached(CacheControl control = {}) const&;

    friend bool operator==(const ContentPart&, const ContentPart&) = default;
};

/// Helpers that build content parts. Those that read a file throw `ErrorConfig` naming the
/// file when it cannot be read; `raw` throws `std::invalid_argument` for anything but a JSON
/// object with a string `type`.
namespace content {

/// A text part.
ContentPart text(std::string text);
/// An image by URL (an https URL or a `data:` URL); `detail` "auto", "low" or "high" ("":
/// omitted).
ContentPart image_url(std::string url, std::string detail = {});
/// An image from bytes in memory, sent as a base64 data URL of `media_type` ("image/png").
ContentPart image_data(std::string_view bytes, std::string_view media_type, std::string detail = {});
/// An image read from a file (png, jpeg, webp, gif: the media type from the extension).
ContentPart image_file(const std::filesystem::path& path, std::string detail = {});
/// A file (a PDF) by URL; OpenRouter fetches it.
ContentPart file_url(std::string url, std::string filename = {});
/// A file from bytes in memory, sent as a base64 data URL of `media_type`
/// ("application/pdf").
ContentPart file_data(std::string_view bytes, std::string_view media_type, std::string filename);
/// A file read from disk (a PDF, or text), named by its file name.
ContentPart file(const std::filesystem::path& path);
/// Audio from bytes in memory (OpenRouter takes audio as base64 only), `format` "wav", "mp3",
/// "flac", "m4a", "ogg", ...
ContentPart audio_data(std::string_view bytes, std::string format);
/// Audio read from a file, its format from the extension.
ContentPart audio_file(const std::filesystem::path& path);
/// A video by URL (or a data URL).
ContentPart video_url(std::string url);
/// A part written as JSON, for part types this library does not name
/// (`{"type":"input_text","text":"..."}`); sent as it is.
ContentPart raw(std::string json_object);

}  // namespace content

/// The media type a file name's extension stands for ("image/png", "application/pdf"), or
/// "application/octet-stream".
std::string_view media_type_for(const std::filesystem::path& path) noexcept;

/// `bytes` in base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);

namespace detail {

/// What a part other than text may be billed for, as request bytes (three to a token), erring
/// high: an image or a video frame 6,000 (2,000 tokens: providers bill images by their pixels,
/// at most about 1,600 tokens once resized), a file or audio its payload, a raw part its JSON.
/// Text parts count nothing here: their text is the message's `content`.
std::size_t estimated_part_bytes(const ContentPart& part) noexcept;

}  // namespace detail

}  // namespace agentroute
