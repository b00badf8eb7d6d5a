"""Editor support: the VS Code extension, the Vim and Emacs modes, and their word lists.

The keyword lists of the grammar, the TextMate grammar, the Vim syntax, the Emacs mode and
the Pygments lexer must be the same sets, and so must their attribute, metric and
distribution names and ``cxdsl.lang.vocabulary``'s. Each list is read from its own file (or, for
Pygments, from what the lexer does), never imported from a shared list.

Tests that need an outside tool (node with ``editors/vscode/node_modules``, vim, nvim,
emacs) skip when it is missing, and fail instead when ``CI`` is set.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pygments.token import Keyword, Name, Operator

from cxdsl.lang import api, parser, vocabulary
from cxdsl.tooling.pygments_lexer import CxjLexer
from support import EXAMPLES, ROOT, write

EDITORS = ROOT / "editors"
VSCODE = EDITORS / "vscode"
TM_GRAMMAR = VSCODE / "syntaxes" / "cxj.tmLanguage.json"
TM_TESTS = ROOT / "tests" / "tmgrammar"
VIM = EDITORS / "vim"
VIM_SYNTAX = VIM / "syntax" / "cxj.vim"
EMACS_MODE = EDITORS / "emacs" / "cxj-mode.el"

VOCABULARIES = {
    "attributes": vocabulary.ATTRIBUTES,
    "metrics": vocabulary.METRICS,
    "distributions": vocabulary.DISTRIBUTIONS,
}


def need(available: bool, what: str) -> None:
    """Skip (fail on CI) when an outside tool the test needs is missing."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing on CI (see .ci/run)")
    pytest.skip(f"{what} is not installed")


def run(cmd: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


# ------------------------------------------------------------------ TextMate grammar words

def _strip_regex(fragment: str) -> str:
    """A regex fragment without escapes, character classes and group openers: what is left
    of its letters are the literal words it matches."""
    fragment = re.sub(r"\\.", " ", fragment)
    fragment = re.sub(r"\[(?:\\.|[^\]\\])*\]", " ", fragment)
    return re.sub(r"\(\?(?:<[=!]|[:=!>])", "(", fragment)


def regex_words(fragment: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", _strip_regex(fragment)))


def regex_groups(regex: str) -> dict[int, str]:
    """The text of each capturing group of ``regex``, by number."""
    groups: dict[int, str] = {}
    stack: list[tuple[int | None, int]] = []
    count = 0
    i = 0
    in_class = False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if regex[i + 1: i + 2] == "]":
                i += 1
        elif c == "(":
            if regex[i + 1: i + 2] == "?":
                stack.append((None, i))
            else:
                count += 1
                stack.append((count, i + 1))
        elif c == ")":
            number, start = stack.pop()
            if number is not None:
                groups[number] = regex[start:i]
        i += 1
    assert not stack, f"unbalanced regex {regex!r}"
    return groups


def tm_scoped_fragments(node) -> list[tuple[str, str]]:
    """Every (scope, regex text) pair of a TextMate grammar: a rule's ``name`` with its
    ``match``, and each capture's name with the text of its group."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if "match" in node and "name" in node:
            found.append((node["name"], node["match"]))
        for regex_key, captures_key in (("match", "captures"), ("begin", "beginCaptures"),
                                        ("end", "endCaptures"), ("begin", "captures")):
            if regex_key in node and captures_key in node:
                groups = regex_groups(node[regex_key])
                groups[0] = node[regex_key]
                for number, capture in node[captures_key].items():
                    if "name" in capture:
                        found.append((capture["name"], groups[int(number)]))
        for value in node.values():
            found.extend(tm_scoped_fragments(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(tm_scoped_fragments(value))
    return found


TM_CLASSES = {
    "keywords": ("keyword.", "variable.language."),
    "attributes": ("entity.other.attribute-name.",),
    "metrics": ("support.constant.metric.",),
    "distributions": ("support.function.distribution.",),
}


def tm_words() -> dict[str, list[set[str]]]:
    """For each class of word, the word set of every rule that gives that class's scope."""
    grammar = json.loads(TM_GRAMMAR.read_text("utf-8"))
    out: dict[str, list[set[str]]] = {k: [] for k in TM_CLASSES}
    for scope, fragment in tm_scoped_fragments(grammar):
        for cls, prefixes in TM_CLASSES.items():
            if scope.startswith(prefixes):
                out[cls].append(regex_words(fragment))
    return out


# ------------------------------------------------------------------------ Vim syntax words

_VIM_OPTIONS = {"contained", "transparent", "skipwhite", "skipnl", "skipempty", "conceal",
                "display", "fold", "extend", "oneline", "keepend", "excludenl"}
VIM_VOCABULARY_GROUPS = {"attributes": "cxjAttribute", "metrics": "cxjMetric",
                         "distributions": "cxjDistribution"}


def vim_keyword_groups() -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for line in VIM_SYNTAX.read_text("utf-8").splitlines():
        m = re.match(r"\s*syn(?:tax)?\s+keyword\s+(\w+)\s+(.*)$", line)
        if m:
            words = {w for w in m.group(2).split() if "=" not in w and w not in _VIM_OPTIONS}
            groups.setdefault(m.group(1), set()).update(words)
    return groups


def vim_words() -> dict[str, set[str]]:
    text = VIM_SYNTAX.read_text("utf-8")
    cluster = re.search(r"^\s*syn(?:tax)?\s+cluster\s+cxjKeywords\s+contains=(\S+)", text, re.M)
    assert cluster, "syntax/cxj.vim has no cxjKeywords cluster"
    groups = vim_keyword_groups()
    members = cluster.group(1).split(",")
    unknown = set(groups) - set(members) - set(VIM_VOCABULARY_GROUPS.values()) - {"cxjTodo"}
    assert not unknown, f"keyword groups outside the cxjKeywords cluster: {unknown}"
    out = {"keywords": set().union(*(groups.get(g, set()) for g in members))}
    for cls, group in VIM_VOCABULARY_GROUPS.items():
        out[cls] = groups.get(group, set())
    return out


# ----------------------------------------------------------------------- Emacs mode words

def emacs_words() -> dict[str, set[str]]:
    text = EMACS_MODE.read_text("utf-8")
    out = {}
    for cls in ("keywords", "attributes", "metrics", "distributions"):
        m = re.search(rf"\(defconst\s+cxj-{cls}\s+'\(([^)]*)\)", text)
        assert m, f"cxj-mode.el defines no cxj-{cls}"
        out[cls] = set(re.findall(r'"([^"\\]*)"', m.group(1)))
    return out


# ---------------------------------------------------------------- Pygments lexer behaviour

def _lexed(text: str) -> list[tuple]:
    return [(t, v) for t, v in CxjLexer().get_tokens(text) if v.strip()]


def pygments_words(candidates: set[str]) -> dict[str, set[str]]:
    """Which of ``candidates`` the lexer treats as keywords, attribute names (before ``=``
    and after a path's ``.``), metric names (after ``target``) and distributions (before
    ``(``): read from the tokens it produces."""
    out: dict[str, set[str]] = {"keywords": set(), "attributes": set(), "path_attributes": set(),
                                "metrics": set(), "distributions": set()}
    for word in sorted(candidates):
        (ttype, value), *_ = _lexed(f"{word}\n")
        if value == word and (ttype in Keyword or ttype in Operator.Word):
            out["keywords"].add(word)
        (ttype, value), *_ = _lexed(f"{word}=1\n")
        if value == word and ttype in Name.Attribute:
            out["attributes"].add(word)
        tokens = _lexed(f"x.{word} = 1\n")
        if tokens[2] == (Name.Attribute, word):
            out["path_attributes"].add(word)
        tokens = _lexed(f"target {word} >= 1\n")
        if tokens[1][1] == word and tokens[1][0] in Name.Constant:
            out["metrics"].add(word)
        (ttype, value), *_ = _lexed(f"{word}(1)\n")
        if value == word and ttype in Name.Builtin:
            out["distributions"].add(word)
    return out


# --------------------------------------------------------------------- the word-list tests

def _all_candidates() -> set[str]:
    words = set(parser.keywords())
    for values in VOCABULARIES.values():
        words |= set(values)
    for sets in tm_words().values():
        words |= set().union(*sets) if sets else set()
    for found in (vim_words(), emacs_words()):
        for values in found.values():
            words |= values
    # look-alikes that must stay plain names
    return words | {"name", "attract", "stage_two", "scoreboard", "Score", "P", "normals",
                    "x", "_", "order", "nps_target"}


def _diff(expected: set[str], got: set[str]) -> str:
    return f"missing {sorted(expected - got)}, extra {sorted(got - expected)}"


def test_the_grammar_has_keywords():
    keywords = set(parser.keywords())
    assert {"persona", "stage", "event", "scenario", "when", "score", "and"} <= keywords
    assert not keywords & {w for v in VOCABULARIES.values() for w in v}, \
        "a vocabulary word is also a grammar keyword"


def test_keyword_lists_are_the_same_everywhere():
    expected = set(parser.keywords())
    found = {
        "TextMate grammar": set().union(*tm_words()["keywords"]),
        "Vim syntax": vim_words()["keywords"],
        "Emacs mode": emacs_words()["keywords"],
        "Pygments lexer": pygments_words(_all_candidates())["keywords"],
        "cxdsl.lang.vocabulary.KEYWORDS": set(vocabulary.KEYWORDS),
    }
    wrong = {where: _diff(expected, got) for where, got in found.items() if got != expected}
    assert not wrong, f"keyword lists differ from the grammar's: {wrong}"


@pytest.mark.parametrize("cls", sorted(VOCABULARIES))
def test_vocabularies_are_the_same_everywhere(cls):
    expected = set(VOCABULARIES[cls])
    assert len(expected) == len(VOCABULARIES[cls]), "duplicate names in cxdsl.lang.vocabulary"
    tm_rules = tm_words()[cls]
    assert tm_rules, f"the TextMate grammar gives no rule the scope of {cls}"
    pyg = pygments_words(_all_candidates())
    found = {f"TextMate rule {i}": words for i, words in enumerate(tm_rules)}
    found["Vim syntax"] = vim_words()[cls]
    found["Emacs mode"] = emacs_words()[cls]
    found["Pygments lexer"] = pyg[cls]
    if cls == "attributes":
        found["Pygments lexer (paths)"] = pyg["path_attributes"]
    wrong = {where: _diff(expected, got) for where, got in found.items() if got != expected}
    assert not wrong, f"{cls} differ from cxdsl.lang.vocabulary's: {wrong}"


def test_word_extraction_sees_regex_structure():
    assert regex_groups(r"\b(a|b)\s+(?:(c)|[(]d)") == {1: "a|b", 2: "c"}
    assert regex_words(r"\b(?<![A-Za-z_])(share|p)\s*(?==)") == {"share", "p"}


# --------------------------------------------------------------------- VS Code extension

def _package() -> dict:
    return json.loads((VSCODE / "package.json").read_text("utf-8"))


def test_extension_manifest_points_at_its_files():
    pkg = _package()
    contributes = pkg["contributes"]
    (language,) = contributes["languages"]
    assert language["id"] == "cxj" and language["extensions"] == [".cxj"]
    (grammar,) = contributes["grammars"]
    assert grammar["language"] == "cxj" and grammar["scopeName"] == "source.cxj"
    for rel in (pkg["main"], language["configuration"], grammar["path"],
                *(s["path"] for s in contributes["snippets"])):
        assert (VSCODE / rel).is_file(), rel
    assert json.loads(TM_GRAMMAR.read_text("utf-8"))["scopeName"] == "source.cxj"
    settings = contributes["configuration"]["properties"]
    assert settings["cxdsl.path"]["default"] == "cxdsl"
    assert "vscode-languageclient" in pkg["dependencies"]
    assert {"@vscode/vsce", "vscode-tmgrammar-test"} <= set(pkg["devDependencies"])
    lock = json.loads((VSCODE / "package-lock.json").read_text("utf-8"))
    assert set(pkg["devDependencies"]) <= set(lock["packages"][""]["devDependencies"])


def test_language_configuration():
    config = json.loads((VSCODE / "language-configuration.json").read_text("utf-8"))
    assert config["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in config["brackets"]
    start = re.compile(config["folding"]["markers"]["start"])
    end = re.compile(config["folding"]["markers"]["end"])
    assert start.search('scenario fast "Follow up" cost=20_000 {')
    assert start.search("scenario s {   # comment")
    assert end.search("}") and end.search("  }")
    assert not start.search("scenario both extends a, b")


def test_snippets_cover_the_declarations():
    snippets = json.loads((VSCODE / "snippets" / "cxj.json").read_text("utf-8"))
    prefixes = {s["prefix"] for s in snippets.values()}
    assert {"persona", "stage", "event", "scenario", "sweep"} <= prefixes
    for name, snippet in snippets.items():
        first = snippet["body"][0]
        assert first.split()[0] in set(parser.keywords()), name


def _expanded(body: list[str]) -> str:
    """A snippet's text with every placeholder accepted as it is."""
    text = "\n".join(body)
    text = re.sub(r"\$\{\d+\|([^,|]*)[^|]*\|\}", r"\1", text)  # a choice: its first
    while re.search(r"\$\{\d+:([^${}]*)\}", text):
        text = re.sub(r"\$\{\d+:([^${}]*)\}", r"\1", text)
    return re.sub(r"\$\d+", "", text)


def test_uncertain_snippets_expand_to_valid_lines():
    snippets = json.loads((VSCODE / "snippets" / "cxj.json").read_text("utf-8"))
    found = {s["prefix"]: [] for s in snippets.values()}
    for snippet in snippets.values():
        found[snippet["prefix"]].append(_expanded(snippet["body"]))
    assert len(found["uncertain"]) == 2 and len(found["worlds"]) == 1
    journey = ("persona smb share=1 baseline=7\nstage Convert\nstage Close\n"
               "event demo_glitch p=5% impact=-3 at Convert\n")
    for line in found["uncertain"] + found["worlds"]:
        comp = api.check_text(journey + line + "\n")
        assert comp.ok, (line, [d.message for d in comp.diagnostics])
    assert "~ beta(5, 95)" in found["uncertain"][0]  # a probability: beta first


def _npx(tool: str) -> list[str]:
    node_modules = VSCODE / "node_modules"
    need(shutil.which("node") is not None and (node_modules / ".bin" / tool).exists(),
         f"editors/vscode/node_modules (npm ci --prefix editors/vscode) with {tool}")
    return [str(node_modules / ".bin" / tool)]


def test_tmgrammar_assertion_files_pass():
    cmd = _npx("vscode-tmgrammar-test")
    files = sorted(TM_TESTS.glob("*.cxj"))
    assert len(files) >= 3
    proc = run([*cmd, "--compact", "-g", str(TM_GRAMMAR), *map(str, files)], cwd=VSCODE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for f in files:
        assert f.name in proc.stdout


def test_tmgrammar_catches_a_wrong_scope(tmp_path):
    cmd = _npx("vscode-tmgrammar-test")
    bad = tmp_path / "wrong.cxj"
    bad.write_text('# SYNTAX TEST "source.cxj"\npersona smb share=1\n'
                   "#       ^^^ keyword.declaration.persona.cxj\n", "utf-8")
    proc = run([*cmd, "--compact", "-g", str(TM_GRAMMAR), str(bad)], cwd=VSCODE)
    assert proc.returncode != 0
    assert "entity.name.type.persona.cxj" in proc.stdout + proc.stderr


def test_extension_client_unit_tests():
    need(shutil.which("node") is not None, "node")
    proc = run(["node", "--test", "test/"], cwd=VSCODE)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_extension_packages_into_a_vsix(tmp_path):
    cmd = _npx("vsce")
    out = tmp_path / "cxdsl-cxj.vsix"
    proc = run([*cmd, "package", "--allow-missing-repository", "--out", str(out)], cwd=VSCODE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(out) as vsix:
        names = set(vsix.namelist())
    for needed in ("extension/package.json", "extension/extension.js",
                   "extension/syntaxes/cxj.tmLanguage.json",
                   "extension/language-configuration.json", "extension/snippets/cxj.json",
                   "extension/node_modules/vscode-languageclient/package.json"):
        assert needed in names
    assert not any("/test/" in n or n.endswith(".vsix") or "/@vscode/vsce/" in n
                   for n in names)


# ----------------------------------------------------------------------------------- Vim

VIM_PROBE = r"""
let s:lines = []
for lnum in range(1, line('$'))
  let names = []
  for col in range(1, len(getline(lnum)))
    call add(names, synIDattr(synID(lnum, col, 1), 'name'))
  endfor
  call add(s:lines, {'names': names, 'fold': foldlevel(lnum)})
endfor
call writefile([json_encode({'lines': s:lines, 'ft': &filetype, 'cms': &commentstring,
      \ 'fdm': &foldmethod, 'err': v:errmsg, 'mp': &makeprg, 'sw': &shiftwidth})],
      \ g:probe_out)
"""

VIM_SAMPLE = """\
# a journey
journey "a \\"quoted\\" label"
persona enterprise "Enterprise" share=30% baseline=normal(8, 1)
stage Convert advance=35% slope=0.4
  for enterprise advance=45%
event glitch p=5% impact=-3 at Convert when score < 5 and not other
target nps >= 20
scenario fast "Fast" cost=20_000 {
  # a comment with } in it
  glitch.p[enterprise] = 1%
}
sweep glitch.p from 0% to 20% step 1%
scale 0..10
uncertain glitch.p[enterprise] ~ beta(3, 57)
worlds 500
uncertain glitch.impact~normal(-3, 1)
"""


def _vim_commands(editor: str) -> list[str]:
    if editor == "nvim":
        return ["nvim", "--headless", "-u", "NONE", "-i", "NONE"]
    return ["vim", "-N", "-u", "NONE", "-i", "NONE", "-es"]


@pytest.fixture(params=["vim", "nvim"])
def vim_probe(request, tmp_path):
    editor = request.param
    need(shutil.which(editor) is not None, f"{editor} (apt-get install vim-nox neovim)")
    sample = write(tmp_path, "sample.cxj", VIM_SAMPLE)
    probe = write(tmp_path, "probe.vim", VIM_PROBE)
    out = tmp_path / "probe.json"
    cmd = [*_vim_commands(editor),
           "--cmd", f"set rtp^={VIM}", "--cmd", f"let g:probe_out = '{out}'",
           "-c", "filetype plugin on", "-c", "syntax on",
           "-c", f"edit {sample}", "-c", f"source {probe}", "-c", "qa!"]
    proc = run(cmd, cwd=tmp_path, timeout=60)
    assert out.exists(), f"{editor} wrote nothing: {proc.stdout} {proc.stderr}"
    return json.loads(out.read_text("utf-8"))


def _group_at(result: dict, line_no: int, text: str, nth: int = 0) -> str:
    line = VIM_SAMPLE.splitlines()[line_no - 1]
    col = -1
    for _ in range(nth + 1):
        col = line.index(text, col + 1)
    names = set(result["lines"][line_no - 1]["names"][col: col + len(text)])
    assert len(names) == 1, (text, names)
    return names.pop()


def test_vim_loads_the_files_without_errors(vim_probe):
    assert vim_probe["err"] == ""
    assert vim_probe["ft"] == "cxj"
    assert vim_probe["cms"] == "# %s"
    assert vim_probe["fdm"] == "syntax"
    assert vim_probe["sw"] == 2
    assert vim_probe["mp"].startswith("cxdsl check")


@pytest.mark.parametrize("line_no, text, group", [
    (1, "# a journey", "cxjComment"),
    (2, "journey", "cxjStatement"),
    (2, '\\"', "cxjEscape"),
    (2, "label", "cxjString"),
    (3, "persona", "cxjDeclaration"),
    (3, "enterprise", "cxjPersonaName"),
    (3, "share", "cxjAttribute"),
    (3, "30%", "cxjNumber"),
    (3, "normal", "cxjDistribution"),
    (4, "Convert", "cxjStageName"),
    (4, "0.4", "cxjNumber"),
    (5, "for", "cxjKeyword"),
    (6, "glitch", "cxjEventName"),
    (6, "-3", "cxjNumber"),
    (6, "when", "cxjKeyword"),
    (6, "score", "cxjScore"),
    (6, "<", "cxjOperator"),
    (6, "not", "cxjLogical"),
    (7, "nps", "cxjMetric"),
    (7, ">=", "cxjOperator"),
    (8, "fast", "cxjScenarioName"),
    (8, "cost", "cxjAttribute"),
    (8, "{", "cxjBrace"),
    (9, "}", "cxjComment"),
    (10, "p", "cxjAttribute"),
    (11, "}", "cxjBrace"),
    (12, "from", "cxjKeyword"),
    (13, "..", "cxjOperator"),
    (13, "10", "cxjNumber"),
    (14, "uncertain", "cxjStatement"),
    (14, "p", "cxjAttribute"),
    (14, "~", "cxjOperator"),
    (14, "beta", "cxjDistribution"),
    (14, "57", "cxjNumber"),
    (15, "worlds", "cxjStatement"),
    (15, "500", "cxjNumber"),
    (16, "impact", "cxjAttribute"),
    (16, "~", "cxjOperator"),
    (16, "normal", "cxjDistribution"),
])
def test_vim_highlights(vim_probe, line_no, text, group):
    assert _group_at(vim_probe, line_no, text) == group


def test_vim_does_not_highlight_lookalikes(vim_probe):
    # `glitch` in `at Convert when ... not other` is a reference, `other` a plain name
    assert _group_at(vim_probe, 6, "other") == ""
    assert _group_at(vim_probe, 5, "enterprise") == ""


def test_vim_folds_scenario_blocks(vim_probe):
    folds = [line["fold"] for line in vim_probe["lines"]]
    assert folds[7:11] == [1, 1, 1, 1]
    assert folds[:7] == [0] * 7 and folds[11:] == [0] * (len(folds) - 11)


# --------------------------------------------------------------------------------- Emacs

EMACS_PROBE = r"""
(require 'json)
(require 'cxj-mode)
(find-file (car command-line-args-left))
(font-lock-ensure)
(let (faces result)
  (goto-char (point-min))
  (while (not (eobp))
    (push (list (1- (point)) (format "%s" (get-text-property (point) 'face))) faces)
    (forward-char 1))
  (indent-region (point-min) (point-max))
  (setq result (json-encode
                (list (cons 'mode (symbol-name major-mode))
                      (cons 'comment comment-start)
                      (cons 'faces (vconcat (nreverse faces)))
                      (cons 'indented (buffer-substring-no-properties (point-min)
                                                                      (point-max))))))
  (with-temp-file (cadr command-line-args-left)
    (insert result)))
(setq command-line-args-left nil)
"""


@pytest.fixture(scope="module")
def emacs_probe(tmp_path_factory):
    need(shutil.which("emacs") is not None, "emacs (apt-get install emacs-nox)")
    tmp = tmp_path_factory.mktemp("emacs")
    shutil.copy(EMACS_MODE, tmp / "cxj-mode.el")
    compiled = run(["emacs", "--batch", "-Q", "--eval", "(setq byte-compile-error-on-warn t)",
                    "-f", "batch-byte-compile", "cxj-mode.el"], cwd=tmp, timeout=120)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    sample = tmp / "sample.cxj"
    sample.write_text(VIM_SAMPLE.replace("\n  ", "\n"), "utf-8")
    (tmp / "probe.el").write_text(EMACS_PROBE, "utf-8")
    out = tmp / "probe.json"
    proc = run(["emacs", "--batch", "-Q", "-L", str(tmp), "-l", "probe.el", str(sample),
                str(out)], cwd=tmp, timeout=120)
    assert out.exists(), proc.stdout + proc.stderr
    data = json.loads(out.read_text("utf-8"))
    data["text"] = sample.read_text("utf-8")
    return data


def _face_at(probe: dict, word: str, context: str | None = None) -> str:
    """The face of ``word`` where it first occurs inside ``context`` (default: itself)."""
    context = context or word
    pos = probe["text"].index(context) + context.index(word)
    faces = {face for _, face in probe["faces"][pos: pos + len(word)]}
    assert len(faces) == 1, (word, faces)
    return faces.pop()


def test_emacs_mode(emacs_probe):
    assert emacs_probe["mode"] == "cxj-mode"
    assert emacs_probe["comment"].strip() == "#"
    # each face and the words it colours: (word, the text around its first occurrence, or
    # None for the word's own first occurrence)
    faces = {
        "font-lock-keyword-face": [("journey", 'journey "'), ("when", None),
                                   ("uncertain", None), ("worlds", None)],
        "font-lock-comment-face": [("a journey", "# a journey"), ("}", "# a comment with }")],
        "font-lock-type-face": [("enterprise", "persona enterprise")],
        "font-lock-variable-name-face": [("share", None), ("p", ".p["),
                                        ("impact", ".impact~")],
        "font-lock-constant-face": [("30%", None), ("Convert", "stage Convert"), ("nps", None),
                                    ("10", "0..10")],
        "font-lock-builtin-face": [("normal", None), ("score", None),
                                   ("beta", "~ beta("), ("normal", "~normal(")],
        "font-lock-function-name-face": [("glitch", "event glitch"), ("fast", "scenario fast")],
        "font-lock-string-face": [('"Fast"', None)],
        "nil": [("other", None)],
    }
    for face, words in faces.items():
        for word, context in words:
            assert _face_at(emacs_probe, word, context) == face, (word, context)
    assert _face_at(emacs_probe, "..") == "nil"
    indented = emacs_probe["indented"].splitlines()
    assert "  for enterprise advance=45%" in indented
    assert "  glitch.p[enterprise] = 1%" in indented
    assert "}" in indented


# ------------------------------------------------------------------------------ examples

@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_scan_in_the_textmate_grammar(example, tmp_path):
    """Every example runs through the TextMate grammar with a declaration on each of its
    persona, stage, event and scenario lines."""
    cmd = _npx("vscode-tmgrammar-test")
    lines = ['# SYNTAX TEST "source.cxj" "' + example.name + '"']
    scopes = {"persona": "entity.name.type.persona.cxj",
              "stage": "entity.name.section.stage.cxj",
              "event": "entity.name.function.event.cxj",
              "scenario": "entity.name.namespace.scenario.cxj"}
    count = 0
    for line in example.read_text("utf-8").splitlines():
        lines.append(line)
        m = re.match(r"(\s*)(persona|stage|event|scenario)\s+([A-Za-z_]\w*)", line)
        if m:
            col = m.start(3)
            lines.append("#" + " " * (col - 1) + "^" * len(m.group(3)) + " "
                         + scopes[m.group(2)])
            count += 1
    assert count
    case = tmp_path / example.name
    case.write_text("\n".join(lines) + "\n", "utf-8")
    proc = run([*cmd, "--compact", "-g", str(TM_GRAMMAR), str(case)], cwd=VSCODE)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_covers_every_editor():
    text = (EDITORS / "README.md").read_text("utf-8")
    for needle in ("VS Code", "Vim", "Neovim", "Emacs", "Pygments", "cxdsl lsp", "packpath"):
        assert needle in text, needle

