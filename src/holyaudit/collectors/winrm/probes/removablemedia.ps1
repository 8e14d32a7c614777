# holyaudit-probe: removablemedia
# Whether writing to removable drives is denied: BitLocker's RDVDenyWriteAccess where the policy is in force
# (HKLM\SYSTEM\CurrentControlSet\Policies\Microsoft\FVE) and where Group Policy writes it
# (HKLM\SOFTWARE\Policies\Microsoft\FVE), and Removable Storage Access's Deny_Write and Deny_All for removable
# disks and Deny_All for every class. A key that does not exist gives null; one that cannot be read gives error.
# Read-only.
$ErrorActionPreference = 'Stop'
function Read-PolicyValue([string]$path, [string]$name) {
    try {
        $key = Get-Item -LiteralPath $path
    } catch {
        if ($_.FullyQualifiedErrorId -like 'PathNotFound*') { return $null }
        throw
    }
    $key.GetValue($name)
}
$storage = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\RemovableStorageDevices'
$disks = $storage + '\{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}'
try {
    [pscustomobject]@{
        fveEffective = Read-PolicyValue 'HKLM:\SYSTEM\CurrentControlSet\Policies\Microsoft\FVE' 'RDVDenyWriteAccess'
        fvePolicy = Read-PolicyValue 'HKLM:\SOFTWARE\Policies\Microsoft\FVE' 'RDVDenyWriteAccess'
        diskDenyWrite = Read-PolicyValue $disks 'Deny_Write'
        diskDenyAll = Read-PolicyValue $disks 'Deny_All'
        allDenyAll = Read-PolicyValue $storage 'Deny_All'
        error = $null
    } | ConvertTo-Json -Compress
} catch {
    [pscustomobject]@{ error = $_.Exception.Message } | ConvertTo-Json -Compress
}
