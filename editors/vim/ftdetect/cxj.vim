" cxdsl customer-journey files
autocmd BufNewFile,BufRead *.cxj setfiletype cxj
