# holyaudit-probe: screensaver
# The screen-saver values of every loaded user profile: those Group Policy sets, and the user's own.
# Read-only. A value that is not set is left out.
$ErrorActionPreference = 'Stop'
$names = 'ScreenSaveActive', 'ScreenSaverIsSecure', 'ScreenSaveTimeOut'
function Read-DesktopValues([string]$path) {
    $found = [ordered]@{}
    $key = Get-Item -LiteralPath $path -ErrorAction SilentlyContinue
    if ($key) {
        foreach ($name in $names) {
            $value = $key.GetValue($name)
            if ($null -ne $value) { $found[$name] = [string]$value }
        }
    }
    $found
}
$loaded = Get-ChildItem -LiteralPath 'Registry::HKEY_USERS' | Where-Object { $_.PSChildName -match '^S-1-5-21-[0-9-]+$' }
$hives = foreach ($hive in $loaded) {
    $sid = $hive.PSChildName
    $account = $null
    try {
        $account = ([System.Security.Principal.SecurityIdentifier]$sid).Translate([System.Security.Principal.NTAccount]).Value
    } catch {
        $account = $null
    }
    [pscustomobject]@{
        sid = $sid
        user = $account
        policy = Read-DesktopValues "Registry::HKEY_USERS\$sid\Software\Policies\Microsoft\Windows\Control Panel\Desktop"
        settings = Read-DesktopValues "Registry::HKEY_USERS\$sid\Control Panel\Desktop"
    }
}
[pscustomobject]@{ hives = @($hives) } | ConvertTo-Json -Compress -Depth 4
