" Vim filetype plugin
" Language:   cxdsl customer-experience journeys (.cxj)
" Maintainer: the cxdsl project

if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal formatoptions-=t formatoptions+=croql
setlocal suffixesadd=.cxj
let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< suffixesadd<'

" Two-space indentation, as `cxdsl fmt` writes it; let g:cxj_recommended_style = 0 to keep
" your own settings.
if get(g:, 'cxj_recommended_style', 1)
  setlocal expandtab shiftwidth=2 softtabstop=2
  let b:undo_ftplugin .= ' | setlocal expandtab< shiftwidth< softtabstop<'
endif

" Scenario blocks { ... } fold, open when the file is read; let g:cxj_folding = 0 to leave
" folding alone.
if get(g:, 'cxj_folding', 1)
  setlocal foldmethod=syntax foldlevel=99
  let b:undo_ftplugin .= ' | setlocal foldmethod< foldlevel<'
endif

" :make checks the file with `cxdsl check` (see compiler/cxdsl.vim).
if !exists('b:current_compiler')
  compiler cxdsl
  let b:undo_ftplugin .= ' | setlocal makeprg< errorformat<'
endif

let &cpo = s:cpo_save
unlet s:cpo_save
