#!/usr/bin/env python3
"""Task readFeed(feed): the posts of a JSON-lines feed file, validated.

A post is {"id", "author", "text", "lang"?}. A malformed line is reported by
line number (BadFeed) instead of being skipped: a silently shorter feed would
look like a quiet day."""
import json
import sys

args = json.load(sys.stdin)
path = args.get("feed")
posts = []
try:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            post = json.loads(line)
            if not all(isinstance(post.get(k), str) and post[k] for k in ("id", "author", "text")):
                raise ValueError("a post needs non-empty string id, author and text")
            posts.append({"id": post["id"], "author": post["author"], "text": post["text"],
                          "lang": post.get("lang", "en")})
except (OSError, TypeError) as e:
    print(json.dumps({"error": "FeedUnavailable", "message": f"cannot read {path!r}: {e}"}))
    sys.exit(0)
except ValueError as e:
    print(json.dumps({"error": "BadFeed", "message": f"{path}:{n}: {e}"}))
    sys.exit(0)
print(json.dumps({"posts": posts}))
