# holyaudit-probe: screensaver
# The screen-saver values of every loaded user profile (domain S-1-5-21-... and Entra ID S-1-12-1-... accounts):
# those Group Policy sets, and the user's own. Read-only. A value that is not set is left out; a key that
# cannot be read is reported as that hive's error, never as "nothing set". self is the account running this,
# whose own hive is loaded because WinRM loads the connecting account's profile.
$ErrorActionPreference = 'Stop'
$names = 'ScreenSaveActive', 'ScreenSaverIsSecure', 'ScreenSaveTimeOut', 'SCRNSAVE.EXE'
function Read-DesktopValues([string]$path) {
    $found = [ordered]@{}
    try {
        $key = Get-Item -LiteralPath $path
    } catch {
        if ($_.FullyQualifiedErrorId -like 'PathNotFound*') { return $found }
        throw
    }
    foreach ($name in $names) {
        $value = $key.GetValue($name)
        if ($null -ne $value) { $found[$name] = [string]$value }
    }
    $found
}
$self = [System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value
$loaded = Get-ChildItem -LiteralPath 'Registry::HKEY_USERS' |
    Where-Object { $_.PSChildName -match '^S-1-(5-21|12-1)-[0-9-]+$' }
$hives = foreach ($hive in $loaded) {
    $sid = $hive.PSChildName
    $account = $null
    try {
        $account = ([System.Security.Principal.SecurityIdentifier]$sid).Translate([System.Security.Principal.NTAccount]).Value
    } catch {
        $account = $null
    }
    $entry = [ordered]@{ sid = $sid; user = $account }
    try {
        $entry.policy = Read-DesktopValues "Registry::HKEY_USERS\$sid\Software\Policies\Microsoft\Windows\Control Panel\Desktop"
        $entry.settings = Read-DesktopValues "Registry::HKEY_USERS\$sid\Control Panel\Desktop"
    } catch {
        $entry.error = $_.Exception.Message
    }
    [pscustomobject]$entry
}
[pscustomobject]@{ self = $self; hives = @($hives) } | ConvertTo-Json -Compress -Depth 4
