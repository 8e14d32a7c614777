# holyaudit-probe: remotedesktop
# Whether Remote Desktop accepts connections, requires Network Level Authentication and which security layer it
# uses: fDenyTSConnections, UserAuthentication and SecurityLayer from the Group Policy key and from the machine's
# own keys (a policy value wins). A key that does not exist gives nulls; one that cannot be read gives error.
# Read-only.
$ErrorActionPreference = 'Stop'
function Read-Values([string]$path, [string[]]$names) {
    try {
        $key = Get-Item -LiteralPath $path
    } catch {
        if ($_.FullyQualifiedErrorId -like 'PathNotFound*') { $key = $null } else { throw }
    }
    $found = [ordered]@{}
    foreach ($name in $names) {
        $found[$name] = $null
        if ($key) { $found[$name] = $key.GetValue($name) }
    }
    [pscustomobject]$found
}
try {
    $names = 'fDenyTSConnections', 'UserAuthentication', 'SecurityLayer'
    $server = Read-Values 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server' @('fDenyTSConnections')
    $listener = Read-Values 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp' @('UserAuthentication', 'SecurityLayer')
    [pscustomobject]@{
        policy = Read-Values 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services' $names
        local = [pscustomobject]@{
            fDenyTSConnections = $server.fDenyTSConnections
            UserAuthentication = $listener.UserAuthentication
            SecurityLayer = $listener.SecurityLayer
        }
        error = $null
    } | ConvertTo-Json -Compress -Depth 3
} catch {
    [pscustomobject]@{ policy = $null; local = $null; error = $_.Exception.Message } | ConvertTo-Json -Compress -Depth 3
}
