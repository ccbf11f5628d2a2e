package pubsub

import (
	"fmt"
	"strings"
	"unicode"
)

// validTopic reports why topic cannot be published to, or nil. A topic is one
// or more dot-separated tokens, none empty, none holding a wildcard or space.
func validTopic(topic string) error {
	if topic == "" {
		return fmt.Errorf("%w: empty topic", ErrBadTopic)
	}
	for tok := range strings.SplitSeq(topic, ".") {
		if err := validToken(topic, tok); err != nil {
			return err
		}
		if strings.ContainsAny(tok, "*>") {
			return fmt.Errorf("%w: wildcard %q in publish topic %q", ErrBadTopic, tok, topic)
		}
	}
	return nil
}

// parsePattern splits a subscription pattern into tokens. `*` must be a whole
// token; `>` must be a whole token and the last one.
func parsePattern(pattern string) ([]string, error) {
	if pattern == "" {
		return nil, fmt.Errorf("%w: empty pattern", ErrBadTopic)
	}
	toks := strings.Split(pattern, ".")
	for i, tok := range toks {
		if err := validToken(pattern, tok); err != nil {
			return nil, err
		}
		switch {
		case tok == "*":
		case tok == ">":
			if i != len(toks)-1 {
				return nil, fmt.Errorf("%w: '>' is not the last token of %q", ErrBadTopic, pattern)
			}
		case strings.ContainsAny(tok, "*>"):
			return nil, fmt.Errorf("%w: wildcard inside token %q of %q", ErrBadTopic, tok, pattern)
		}
	}
	return toks, nil
}

func validToken(s, tok string) error {
	if tok == "" {
		return fmt.Errorf("%w: empty token in %q", ErrBadTopic, s)
	}
	if strings.IndexFunc(tok, unicode.IsSpace) >= 0 {
		return fmt.Errorf("%w: white space in %q", ErrBadTopic, s)
	}
	return nil
}

// match reports whether a valid topic matches the parsed pattern.
func match(pattern []string, topic string) bool {
	for i, p := range pattern {
		if p == ">" {
			return topic != "" // one or more tokens left
		}
		tok, rest, found := strings.Cut(topic, ".")
		if p != "*" && p != tok {
			return false
		}
		if !found {
			return i == len(pattern)-1
		}
		topic = rest
	}
	return false
}
