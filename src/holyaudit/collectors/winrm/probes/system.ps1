# holyaudit-probe: system
# The operating system and its release values, the chassis, the machine inactivity limit and automatic log-on.
# Read-only. The Winlogon DefaultPassword value is looked for by name; its value is never read.
$ErrorActionPreference = 'Stop'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$enclosure = Get-CimInstance -ClassName Win32_SystemEnclosure | Select-Object -First 1
# A null ChassisTypes piped to ForEach-Object would still run once and print [0]: say null instead.
$chassis = $null
if ($enclosure -and $null -ne $enclosure.ChassisTypes) { $chassis = @($enclosure.ChassisTypes | ForEach-Object { [int]$_ }) }
$policies = Get-Item -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' -ErrorAction SilentlyContinue
$winlogon = Get-Item -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon' -ErrorAction SilentlyContinue
# Every machine has this key: one that cannot be read is reported with its error.
$version = $versionError = $null
try {
    $current = Get-Item -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $version = [ordered]@{}
    foreach ($name in 'EditionID', 'CurrentBuild', 'CurrentBuildNumber', 'UBR', 'DisplayVersion', 'InstallationType', 'ProductName') {
        $version[$name] = $current.GetValue($name)
    }
} catch {
    $versionError = $_.Exception.Message
}
$inactivity = $null
if ($policies) { $inactivity = $policies.GetValue('InactivityTimeoutSecs') }
$logon = $null  # the key exists on every Windows machine: not found means it could not be read
if ($winlogon) {
    $logon = [pscustomobject]@{
        autoAdminLogon = $winlogon.GetValue('AutoAdminLogon')
        userName = $winlogon.GetValue('DefaultUserName')
        domainName = $winlogon.GetValue('DefaultDomainName')
        autoLogonCount = $winlogon.GetValue('AutoLogonCount')
        forceAutoLogon = $winlogon.GetValue('ForceAutoLogon')
        defaultPassword = $winlogon.GetValueNames() -contains 'DefaultPassword'
    }
}
[pscustomobject]@{
    os = $os.Caption
    build = $os.BuildNumber
    version = $version
    versionError = $versionError
    chassis = $chassis
    inactivitySecs = $inactivity
    winlogon = $logon
} | ConvertTo-Json -Compress -Depth 4
