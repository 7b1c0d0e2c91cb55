# A scheduler-driven loop: the scheduler runs a stored script every second; the script counts in a global and,
# on its third run, disables its own schedule. This script waits for that, then reads what happened.
:global ticks 0
/system script add name=tick source={
    :global ticks
    :set ticks ($ticks + 1)
    :log info ("tick " . $ticks)
    :if ($ticks >= 3) do={ /system scheduler disable heartbeat }
}
/system scheduler add name=heartbeat interval=1s on-event=tick
:put ("scheduled: " . [/system scheduler get heartbeat on-event] . " every " . [/system scheduler get heartbeat interval])
:local waited 0
:while (![/system scheduler get heartbeat disabled] && $waited < 100) do={
    :delay 100ms
    :set waited ($waited + 1)
}
:put ("ticks: " . $ticks)
:put ("scheduler run-count: " . [/system scheduler get heartbeat run-count])
:put ("script run-count: " . [/system script get tick run-count])
:foreach entry in=[/log print as-value where message~"^tick "] do={ :put ($entry->"message") }
/system scheduler remove heartbeat
:put ("schedules left: " . [:len [/system scheduler find]])
