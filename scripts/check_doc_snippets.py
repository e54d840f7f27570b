#!/usr/bin/env python3
"""Keeps the code in docs/*.md identical to the tagged regions of docs/examples/*.cpp, which
the build compiles and ctest runs. A block is marked in Markdown as

    <!-- snippet: examples/agents.cpp#define -->
    ```cpp
    ...
    ```

and the region in the .cpp lies between `// tag::define[]` and `// end::define[]`.

    check_doc_snippets.py DOCS_DIR          # fails (exit 1) on any difference
    check_doc_snippets.py DOCS_DIR --write  # rewrites the blocks from the examples
"""
import pathlib
import re
import sys
import textwrap

MARK = re.compile(r"<!-- snippet: (?P<file>[^#]+)#(?P<tag>[\w-]+) -->\n```cpp\n(?P<body>.*?)```\n", re.S)


def region(docs: pathlib.Path, file: str, tag: str) -> str:
    text = (docs / file).read_text()
    m = re.search(rf"^[ \t]*// tag::{tag}\[\]\n(.*?)^[ \t]*// end::{tag}\[\]\n", text, re.S | re.M)
    if not m:
        raise SystemExit(f"{file}: no region tag::{tag}[]")
    return textwrap.dedent(m.group(1))


def main() -> int:
    docs = pathlib.Path(sys.argv[1])
    write = "--write" in sys.argv
    bad = 0
    for page in sorted(docs.glob("*.md")):
        text = page.read_text()

        def replace(m: re.Match) -> str:
            nonlocal bad
            want = region(docs, m["file"], m["tag"])
            if m["body"] != want:
                bad += 1
                print(f"{page.name}: snippet {m['file']}#{m['tag']} differs from the example")
            return f"<!-- snippet: {m['file']}#{m['tag']} -->\n```cpp\n{want}```\n"

        new = MARK.sub(replace, text)
        if write and new != text:
            page.write_text(new)
    if bad and not write:
        print(f"{bad} snippet(s) out of date: run scripts/check_doc_snippets.py docs --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
