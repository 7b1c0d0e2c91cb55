# Global functions, defined once and called with positional and named arguments (manual: Scripting, Functions).
:global formatBytes do={
    :local units {"B";"KiB";"MiB";"GiB"}
    :local value [:tonum $1]
    :local unit 0
    :while ($value >= 1024 && $unit < 3) do={
        :set value ($value / 1024)
        :set unit ($unit + 1)
    }
    :return ($value . " " . ($units->$unit))
}
:global greet do={
    :if ([:typeof $name] = "nothing") do={ :return "hello, stranger" }
    :return ("hello, " . $name)
}
:global factorial do={
    :if ($1 <= 1) do={ :return 1 }
    :global factorial
    :return ($1 * [$factorial ($1 - 1)])
}
:global minMax do={
    :local lo [:pick $1 0]
    :local hi [:pick $1 0]
    :foreach n in=$1 do={
        :if ($n < $lo) do={ :set lo $n }
        :if ($n > $hi) do={ :set hi $n }
    }
    :return {"min"=$lo; "max"=$hi}
}
:put [$formatBytes 512]
:put [$formatBytes 1536]
:put [$formatBytes 5368709120]
:put [$greet]
:put [$greet name="operator"]
:put [$factorial 10]
:local numbers {7;3;12;5}
:local range [$minMax $numbers]
:put ("min=" . ($range->"min") . " max=" . ($range->"max"))
