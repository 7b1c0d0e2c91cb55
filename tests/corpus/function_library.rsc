# A function library kept as a /system script: running it defines the globals, then any script of the same user
# declares the global and calls it. :parse turns text into a function; :jobname names the running script.
:local library ":global libVersion \"1.2\"\n"
:set library ($library . ":global label do={ :return (\$1 . \"@\" . [/system identity get name]) }\n")
/system script add name=lib source=$library dont-require-permissions=yes
/system script add name=caller source=":global label\n:put (\"I am \" . [:jobname] . \", \" . [\$label \"caller\"])"
/system identity set name=branch-7
/system script run lib
:global libVersion
:global label
:put ("library " . $libVersion . " loaded: " . [$label "ops"])
/system script run caller
:local double [:parse ":return (\$1 * 2)"]
:put ("double 21 = " . [$double 21])
:local sum [:parse ":local t 0; :foreach n in=\$1 do={ :set t (\$t + \$n) }; :return \$t"]
:local values {10;20;12}
:put ("sum = " . [$sum $values])
:put ("run counts: lib " . [/system script get lib run-count] . ", caller " . [/system script get caller run-count])
:global libMissing
:put ("undefined global is " . [:typeof $libMissing])
