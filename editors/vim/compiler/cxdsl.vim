" Vim compiler file
" Compiler:   cxdsl check (cxdsl customer-experience journeys)
" Maintainer: the cxdsl project

if exists('current_compiler')
  finish
endif
let current_compiler = 'cxdsl'

let s:cpo_save = &cpo
set cpo&vim

" Diagnostics read `path:line:col: error[E201]: message`, col a screen column (%v: a tab to
" the next multiple of 8, a wide character 2); the source excerpt, the caret and
" the hint lines that follow are skipped.
CompilerSet makeprg=cxdsl\ check\ %:S
CompilerSet errorformat=%f:%l:%v:\ %trror[%*[^]]]:\ %m,%f:%l:%v:\ %tarning[%*[^]]]:\ %m,%-G%.%#

let &cpo = s:cpo_save
unlet s:cpo_save
