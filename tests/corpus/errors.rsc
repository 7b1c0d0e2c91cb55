# Error handling: :do on-error, :onerror with the message, :error raised in a function and caught by a caller.
/ip address add address=10.20.0.1/24 interface=ether2
:do {
    /ip address add address=10.20.0.1/24 interface=ether2
    :put "not reached"
} on-error={ :put "duplicate address refused" }
:onerror problem in={ /ip address add address=10.21.0.1/24 interface=ether99 } do={
    :put ("caught: " . $problem)
}
:global checkedDivide do={
    :if ($2 = 0) do={ :error "division by zero" }
    :return ($1 / $2)
}
:foreach divisor in={5;0;2} do={
    :onerror reason in={ :put ("100/" . $divisor . "=" . [$checkedDivide 100 $divisor]) } do={
        :put ("skipped " . $divisor . ": " . $reason)
    }
}
:local failed [:onerror e in={ :error "boom" } do={ :put ("handler saw " . $e) }]
:put ("onerror returned " . $failed)
:local fine [:onerror e in={ :put "nothing went wrong" } do={ :put "no handler" }]
:put ("onerror returned " . $fine)
:local attempts 0
:do {
    :do { :set attempts ($attempts + 1); :error "still failing" } on-error={ :put ("attempt " . $attempts . " failed") }
} while=($attempts < 3)
:put ("gave up after " . $attempts)
