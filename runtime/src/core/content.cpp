#include <agentroute/content.hpp>
#include <agentroute/errors.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace agentroute {

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ErrorConfig("cannot read " + path.string() + " for a message part");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw ErrorConfig("cannot read " + path.string() + " for a message part");
    return bytes;
}

std::string data_url(std::string_view bytes, std::string_view media_type) {
    std::string url = "data:";
    url += media_type;
    url += ";base64,";
    url += base64_encode(bytes);
    return url;
}

std::string lower_extension(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

}  // namespace

ContentPart ContentPart::cached(CacheControl control) && {
    cache_control = std::move(control);
    return std::move(*this);
}

ContentPart ContentPart::cached(CacheControl control) const& {
    ContentPart copy = *this;
    return std::move(copy).cached(std::move(control));
}

std::string base64_encode(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (rest == 2 ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string_view media_type_for(const std::filesystem::path& path) noexcept {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 19> types{{
        {".png", "image/png"},        {".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"},
        {".webp", "image/webp"},      {".gif", "image/gif"},       {".pdf", "application/pdf"},
        {".txt", "text/plain"},       {".md", "text/markdown"},    {".csv", "text/csv"},
        {".html", "text/html"},       {".json", "application/json"}, {".wav", "audio/wav"},
        {".mp3", "audio/mpeg"},       {".flac", "audio/flac"},     {".m4a", "audio/mp4"},
        {".ogg", "audio/ogg"},        {".aac", "audio/aac"},       {".mp4", "video/mp4"},
        {".webm", "video/webm"},
    }};
    try {
        const std::string ext = lower_extension(path);
        for (const auto& [e, type] : types) {
            if (e == ext) return type;
        }
    } catch (...) {  // a path whose extension cannot be converted: no known type
    }
    return "application/octet-stream";
}

namespace detail {

std::size_t estimated_part_bytes(const ContentPart& part) noexcept {
    constexpr std::size_t image_bytes = 6000;
    switch (part.kind) {
        case ContentPart::Kind::text: return 0;
        case ContentPart::Kind::image:
        case ContentPart::Kind::video: return image_bytes;
        case ContentPart::Kind::file: return part.url.size() + part.filename.size();
        case ContentPart::Kind::audio: return part.data.size();
        case ContentPart::Kind::raw: return part.text.size();
    }
    return image_bytes;
}

}  // namespace detail

namespace content {

ContentPart text(std::string text) {
    ContentPart p;
    p.text = std::move(text);
    return p;
}

ContentPart image_url(std::string url, std::string detail) {
    ContentPart p;
    p.kind = ContentPart::Kind::image;
    p.url = std::move(url);
    p.detail = std::move(detail);
    return p;
}

ContentPart image_data(std::string_view bytes, std::string_view media_type, std::string detail) {
    return image_url(data_url(bytes, media_type), std::move(detail));
}

ContentPart image_file(const std::filesystem::path& path, std::string detail) {
    return image_data(read_file(path), media_type_for(path), std::move(detail));
}

ContentPart file_url(std::string url, std::string filename) {
    ContentPart p;
    p.kind = ContentPart::Kind::file;
    p.url = std::move(url);
    p.filename = std::move(filename);
    return p;
}

ContentPart file_data(std::string_view bytes, std::string_view media_type, std::string filename) {
    return file_url(data_url(bytes, media_type), std::move(filename));
}

ContentPart file(const std::filesystem::path& path) {
    return file_data(read_file(path), media_type_for(path), path.filename().string());
}

ContentPart audio_data(std::string_view bytes, std::string format) {
    ContentPart p;
    p.kind = ContentPart::Kind::audio;
    p.data = base64_encode(bytes);
    p.format = std::move(format);
    return p;
}

ContentPart audio_file(const std::filesystem::path& path) {
    std::string format = lower_extension(path);
    if (!format.empty()) format.erase(0, 1);
    return audio_data(read_file(path), std::move(format));
}

ContentPart video_url(std::string url) {
    ContentPart p;
    p.kind = ContentPart::Kind::video;
    p.url = std::move(url);
    return p;
}

ContentPart raw(std::string json_object) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(json_object, ec);
    const boost::json::value* type = !ec && v.is_object() ? v.get_object().if_contains("type") : nullptr;
    if (!type || !type->is_string()) {
        throw std::invalid_argument("content::raw needs a JSON object with a string \"type\", got: " +
                                    json_object.substr(0, 200));
    }
    ContentPart p;
    p.kind = ContentPart::Kind::raw;
    p.text = std::move(json_object);
    return p;
}

}  // namespace content

}  // namespace agentroute
