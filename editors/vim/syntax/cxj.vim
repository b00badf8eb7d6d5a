" Vim syntax file
" Language:   cxdsl customer-experience journeys (.cxj)
" Maintainer: the cxdsl project
"
" The keyword lists below are the grammar's (grammar/cxj.lark) and the attribute, metric
" and distribution names are cxdsl/lang/vocabulary.py's; tests/tooling/test_editors.py
" checks that they stay the same.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn sync minlines=200

" Keywords: every keyword group belongs to the cluster cxjKeywords.
syn keyword cxjStatement   journey scale customers seed volume goal target sweep uncertain worlds
syn keyword cxjInclude     import
syn keyword cxjDeclaration persona stage event scenario survey
syn keyword cxjKeyword     for at when extends remove from to step in per end
syn keyword cxjLogical     not and or
syn keyword cxjScore       score
syn cluster cxjKeywords contains=cxjStatement,cxjInclude,cxjDeclaration,cxjKeyword,cxjLogical,cxjScore

" Names where they are declared.
syn match cxjPersonaName  "\%(\<persona\s\+\)\@<=\h\w*"
syn match cxjStageName    "\%(\<stage\s\+\)\@<=\h\w*"
syn match cxjEventName    "\%(\<event\s\+\)\@<=\h\w*"
syn match cxjScenarioName "\%(\<scenario\s\+\)\@<=\h\w*"
syn match cxjSurveyName   "\%(\<survey\s\+\)\@<=\h\w*"

" Attribute names: before '=' (not '==') and after the '.' of a path.
syn match cxjAttrSlot "\<\h\w*\ze\s*=\%(=\)\@!" contains=cxjAttribute
syn match cxjAttrSlot "\%(\w\.\)\@<=\h\w*" contains=cxjAttribute
syn keyword cxjAttribute contained share baseline value advance slope p impact cost running_cost

" Metric names: right after 'target', or after the survey in 'target SURVEY.METRIC'.
syn match cxjMetricSlot "\%(\<target\s\+\)\@<=\h\w*" contains=cxjMetric
syn match cxjMetricSlot "\%(\<target\s\+\h\w*\.\)\@<=\h\w*" contains=cxjMetric
syn keyword cxjMetric contained nps csat mean conversion revenue

" Distribution functions: a name before '('.
syn match cxjCallSlot "\<\h\w*\ze\s*(" contains=cxjDistribution
syn keyword cxjDistribution contained normal uniform triangular discrete beta

" Numbers: 3, -3, +1.5, .5, 1e6, 200_000, and percentages 5%.
syn match cxjNumber "\%(\w\)\@<![+-]\=\%(\d[0-9_]*\%(\.\d[0-9_]*\)\=\|\.\d[0-9_]*\)\%([eE][+-]\=\d\+\)\=%\=\%(\w\)\@!"

" Operators: comparisons, assignment, the '..' of a scale and the '~' of an uncertain value.
syn match cxjOperator "[<>!=]=\|[<>=~]"
syn match cxjOperator "\.\."

" Labels and import paths: double-quoted, with \" and \\ escapes, on one line.
syn region cxjString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=cxjEscape
syn match cxjEscape contained "\\."

" Comments.
syn match cxjComment "#.*$" contains=cxjTodo,@Spell
syn keyword cxjTodo contained TODO FIXME XXX NOTE

" Scenario blocks fold (foldmethod=syntax, set by ftplugin/cxj.vim).
syn region cxjBlock matchgroup=cxjBrace start="{" end="}" transparent fold

hi def link cxjStatement    Statement
hi def link cxjInclude      Include
hi def link cxjDeclaration  Keyword
hi def link cxjKeyword      Keyword
hi def link cxjLogical      Conditional
hi def link cxjScore        Special
hi def link cxjPersonaName  Type
hi def link cxjStageName    Label
hi def link cxjEventName    Function
hi def link cxjScenarioName Structure
hi def link cxjSurveyName   Label
hi def link cxjAttribute    Identifier
hi def link cxjMetric       Constant
hi def link cxjDistribution Function
hi def link cxjNumber       Number
hi def link cxjOperator     Operator
hi def link cxjString       String
hi def link cxjEscape       SpecialChar
hi def link cxjComment      Comment
hi def link cxjTodo         Todo
hi def link cxjBrace        Delimiter

let b:current_syntax = 'cxj'

let &cpo = s:cpo_save
unlet s:cpo_save
