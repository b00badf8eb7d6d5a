;;; cxj-mode.el --- Major mode for cxdsl customer-journey files (.cxj)  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "26.1"))
;; Keywords: languages
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; Highlighting, comments, indentation and block folding for cxdsl journeys, the
;; declarative language for customer-experience journeys.
;;
;;   (add-to-list 'load-path "/path/to/cxdsl/editors/emacs")
;;   (require 'cxj-mode)
;;
;; `M-x compile' runs `cxdsl check' on the file; `hs-minor-mode' folds scenario blocks.
;; The language server (`cxdsl lsp') works with Eglot:
;;
;;   (with-eval-after-load 'eglot
;;     (add-to-list 'eglot-server-programs '(cxj-mode "cxdsl" "lsp")))
;;
;; The word lists are the grammar's keywords (grammar/cxj.lark) and the names of
;; cxdsl/lang/vocabulary.py; tests/tooling/test_editors.py checks that they stay the same.

;;; Code:

(defgroup cxj nil
  "Editing cxdsl customer-journey files."
  :group 'languages
  :prefix "cxj-")

(defcustom cxj-indent-offset 2
  "Indentation of `for' lines and of the contents of scenario blocks."
  :type 'integer
  :safe #'integerp)

(defcustom cxj-cxdsl-program "cxdsl"
  "The cxdsl executable, used by `compile' to check the file."
  :type 'string)

(defconst cxj-keywords
  '("journey" "scale" "customers" "seed" "volume" "per" "import" "persona" "stage" "goal"
    "survey" "end" "event" "at" "when" "for" "target" "scenario" "extends" "remove" "sweep" "uncertain" "worlds"
    "from" "to" "step" "in" "not" "and" "or" "score")
  "Keywords of the cxdsl grammar.")

(defconst cxj-attributes
  '("share" "baseline" "value" "advance" "slope" "p" "impact" "cost" "running_cost")
  "Attribute names of personas, stages, events and scenarios.")

(defconst cxj-metrics
  '("nps" "csat" "mean" "conversion" "revenue")
  "Metric names a target may name.")

(defconst cxj-distributions
  '("normal" "uniform" "triangular" "discrete" "beta")
  "Distribution functions a baseline or an impact may call.")

(defconst cxj--name "[A-Za-z_][A-Za-z0-9_]*")

(defun cxj--words (words)
  "A regexp matching any of WORDS as a whole symbol, in group 1."
  (concat "\\_<\\(" (regexp-opt words) "\\)\\_>"))

;; A number keeps its spelling: sign, digit groups, decimals, exponent, percent.
(defconst cxj--number
  (concat "[+-]?\\(?:[0-9][0-9_]*\\(?:\\.[0-9][0-9_]*\\)?\\|\\.[0-9][0-9_]*\\)"
          "\\(?:[eE][+-]?[0-9]+\\)?%?"))

(defun cxj--match-number (limit)
  "Find the next number before LIMIT, for font-lock.
A number never starts inside a name, nor at the second dot of a `..' range."
  (let (found)
    (while (and (not found) (re-search-forward cxj--number limit t))
      (let* ((start (match-beginning 0))
             (before (char-before start)))
        (if (or (and before (string-match-p "[A-Za-z0-9_]" (string before)))
                (and (eq (char-after start) ?.) (eq before ?.)))
            (goto-char (1+ start))
          (setq found t))))
    found))

(defconst cxj-font-lock-keywords
  (let ((name cxj--name))
    `(;; names at their declaration
      (,(concat "\\_<\\(persona\\)[ \t]+\\(" name "\\)")
       (1 font-lock-keyword-face) (2 font-lock-type-face))
      (,(concat "\\_<\\(stage\\)[ \t]+\\(" name "\\)")
       (1 font-lock-keyword-face) (2 font-lock-constant-face))
      (,(concat "\\_<\\(event\\)[ \t]+\\(" name "\\)")
       (1 font-lock-keyword-face) (2 font-lock-function-name-face))
      (,(concat "\\_<\\(scenario\\)[ \t]+\\(" name "\\)")
       (1 font-lock-keyword-face) (2 font-lock-function-name-face))
      (,(concat "\\_<\\(survey\\)[ \t]+\\(" name "\\)")
       (1 font-lock-keyword-face) (2 font-lock-constant-face))
      ;; metric names after `target' and after `target SURVEY.'
      (,(concat "\\_<target[ \t]+" (cxj--words cxj-metrics)) (1 font-lock-constant-face))
      (,(concat "\\_<target[ \t]+" name "\\." (cxj--words cxj-metrics))
       (1 font-lock-constant-face))
      ;; attribute names before `=' (not `==') and after the `.' of a path
      (,(concat (cxj--words cxj-attributes) "[ \t]*=\\(?:[^=]\\|$\\)")
       (1 font-lock-variable-name-face))
      (,(concat "\\.\\(" (regexp-opt cxj-attributes) "\\)\\_>")
       (1 font-lock-variable-name-face))
      ;; distribution functions
      (,(concat (cxj--words cxj-distributions) "[ \t]*(") (1 font-lock-builtin-face))
      ;; keywords
      (,(cxj--words (remove "score" cxj-keywords)) (1 font-lock-keyword-face))
      (,(cxj--words '("score")) (1 font-lock-builtin-face))
      ;; numbers and percentages
      (cxj--match-number (0 font-lock-constant-face))))
  "Highlighting for `cxj-mode'.")

(defvar cxj-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (modify-syntax-entry ?_ "_" table)
    ;; `~' too: `e.p~beta(3, 57)' is a path, `~' and a distribution
    (dolist (c '(?% ?= ?< ?> ?! ?. ?, ?: ?+ ?- ?~))
      (modify-syntax-entry c "." table))
    table)
  "Syntax table for `cxj-mode'.")

(defun cxj-indent-line ()
  "Indent the current line.
Scenario blocks nest; `for' lines sit under the stage or event they refine."
  (interactive)
  (let* ((depth (save-excursion (car (syntax-ppss (line-beginning-position)))))
         (column
          (save-excursion
            (back-to-indentation)
            (+ (* cxj-indent-offset (max 0 (if (eq (char-after) ?}) (1- depth) depth)))
               (if (looking-at "for\\_>") cxj-indent-offset 0))))
         (offset (- (current-column) (current-indentation))))
    (indent-line-to column)
    (when (> offset 0)
      (forward-char offset))))

;;;###autoload
(define-derived-mode cxj-mode prog-mode "cxj"
  "Major mode for cxdsl customer-experience journeys (.cxj files).

\\{cxj-mode-map}"
  :syntax-table cxj-mode-syntax-table
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+[ \t]*")
  (setq-local comment-end "")
  (setq-local font-lock-defaults '(cxj-font-lock-keywords))
  (setq-local indent-line-function #'cxj-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local compile-command
              (concat cxj-cxdsl-program " check "
                      (when buffer-file-name
                        (shell-quote-argument (file-name-nondirectory buffer-file-name))))))

(with-eval-after-load 'hideshow
  (add-to-list 'hs-special-modes-alist '(cxj-mode "{" "}" "#" nil nil)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.cxj\\'" . cxj-mode))

(provide 'cxj-mode)

;;; cxj-mode.el ends here
