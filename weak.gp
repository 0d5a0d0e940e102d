# sgdlab house style: line type k = colour k + marker k (pt 11, the filled downward triangle,
# marks an upper bound)
set linetype 1 lc rgb '#0072b2' lw 2 pt 7 ps 1.3
set linetype 2 lc rgb '#d55e00' lw 2 pt 5 ps 1.3
set linetype 3 lc rgb '#009e73' lw 2 pt 9 ps 1.5
set linetype 4 lc rgb '#cc79a7' lw 2 pt 13 ps 1.5
set linetype 5 lc rgb '#e69f00' lw 2 pt 6 ps 1.3
set linetype 6 lc rgb '#56b4e9' lw 2 pt 4 ps 1.3
set linetype 7 lc rgb '#000000' lw 2 pt 8 ps 1.5
set linetype 8 lc rgb '#882255' lw 2 pt 12 ps 1.5
set linetype cycle 8
set terminal pngcairo size 960,680 enhanced
set output 'weak.png'
set logscale xy
set format y '10^{%T}'
set xrange [0.03846153846:0.13]
set xtics (0.1, 0.05)
set xlabel 'learning rate {/Symbol a}'
set ylabel 'weak error  sup_t |E f(SGD) - E f(model)|'
set key outside right top
set grid
set title 'sgdlab weak: weak error against learning rate (95% intervals)'
plot \
  'weak_plot.dat' index 0 using 1:2:3:4 with yerrorlines lt 1 lw 2 title 'sme1 x0', \
  'weak_plot.dat' index 1 using 1:2:3:4 with yerrorlines lt 2 lw 2 title 'sme1 norm2', \
  'weak_plot.dat' index 2 using 1:2:3:4 with yerrorlines lt 3 lw 2 title 'sme2 x0', \
  'weak_plot.dat' index 3 using 1:2:3:4 with yerrorlines lt 4 lw 2 title 'sme2 norm2', \
  0.01408116241*(x/0.1) dt 2 lw 1.5 lc rgb 'gray40' title 'slope 1', \
  0.01408116241*(x/0.1)**2 dt 3 lw 1.5 lc rgb 'gray20' title 'slope 2'
